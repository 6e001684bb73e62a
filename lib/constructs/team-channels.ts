// TeamChannels: the alarm topic delivered where the team already talks: a Slack channel and/or a Microsoft
// Teams channel through AWS Chatbot (free). The workspace or team is authorized once in the Chatbot console;
// its ids are deploy settings. The channel's role and guardrail allow reading alarms and metrics only, so no
// one in the channel can change anything in the account through Chatbot.
import { Validations } from 'aws-cdk-lib';
import { CfnMicrosoftTeamsChannelConfiguration, LoggingLevel, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface TeamChannelsProps {
  readonly topic: ITopic;
  /** prefix of the configurations' names, which are global in the account: deployment and region */
  readonly namePrefix: string;
  /** @default - no Slack channel */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /** @default - no Teams channel */
  readonly teams?: { readonly tenantId: string; readonly teamId: string; readonly channelId: string };
}

export class TeamChannels extends Construct {
  readonly slack?: SlackChannelConfiguration;
  readonly teams?: CfnMicrosoftTeamsChannelConfiguration;

  constructor(scope: Construct, id: string, props: TeamChannelsProps) {
    super(scope, id);
    if (!props.slack && !props.teams) return;
    // what Chatbot needs to show an alarm and its graph, and all a channel member may do through it
    const readAlarms = new iam.ManagedPolicy(this, 'ReadAlarms', {
      description: 'Switchboard alarms in chat: read alarms and metrics, nothing else',
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(readAlarms).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData and GetMetricWidgetImage take no resource; DescribeAlarms lists the alarms a notification names. Read-only.',
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'AWS Chatbot channel role for Switchboard alarms (read-only)',
      managedPolicies: [readAlarms],
    });

    if (props.slack) {
      this.slack = new SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `${props.namePrefix}-slack`,
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [props.topic],
        role,
        guardrailPolicies: [readAlarms],
        loggingLevel: LoggingLevel.ERROR,
      });
    }
    if (props.teams) {
      this.teams = new CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        configurationName: `${props.namePrefix}-teams`,
        iamRoleArn: role.roleArn,
        teamsTenantId: props.teams.tenantId,
        teamId: props.teams.teamId,
        teamsChannelId: props.teams.channelId,
        snsTopicArns: [props.topic.topicArn],
        guardrailPolicies: [readAlarms.managedPolicyArn],
        loggingLevel: 'ERROR',
      });
    }
  }
}
