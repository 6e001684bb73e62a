// FailoverRecord: this region's routed record of the shared name and the Route 53 health check that guards
// it. The check follows the region's RegionUnhealthy alarm (fed once a minute by the scheduled check's call to
// the region's own /health), so Route 53 itself never calls the gateway: failover costs one invocation a
// minute per region instead of one per checker every few seconds. The record lives in the region's own
// service stack, beside the custom domain it points at, so a replaced API or domain updates it in the same
// deploy. `failover`: PRIMARY (first region) and SECONDARY (second); `latency`: every region.
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnHealthCheck, CfnRecordSet } from 'aws-cdk-lib/aws-route53';
import type { IDomainName } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';

export type RoutingRole = { readonly routing: 'failover'; readonly failover: 'PRIMARY' | 'SECONDARY' } | { readonly routing: 'latency' };

export interface FailoverRecordProps {
  /** the shared name, e.g. ai.example.com */
  readonly domainName: string;
  readonly hostedZoneId: string;
  /** this region */
  readonly region: string;
  readonly role: RoutingRole;
  /** this region's custom domain (its regional API Gateway domain name), the record's alias target */
  readonly target: IDomainName;
  /** in ALARM when the region cannot serve; the health check follows it */
  readonly regionUnhealthy: IAlarm;
  /** unique per deployment and region @default `switchboard-<region>` */
  readonly setIdentifier?: string;
}

export class FailoverRecord extends Construct {
  readonly healthCheck: CfnHealthCheck;
  readonly record: CfnRecordSet;

  constructor(scope: Construct, id: string, props: FailoverRecordProps) {
    super(scope, id);
    this.healthCheck = new CfnHealthCheck(this, 'Health', {
      healthCheckConfig: {
        type: 'CLOUDWATCH_METRIC',
        alarmIdentifier: { name: props.regionUnhealthy.alarmName, region: props.region },
        // a new alarm has no data for its first minutes: keep the region in DNS until it has a verdict
        insufficientDataHealthStatus: 'LastKnownStatus',
      },
      healthCheckTags: [{ key: 'Name', value: `${props.setIdentifier ?? `switchboard-${props.region}`} region health` }],
    });
    this.record = new CfnRecordSet(this, 'Record', {
      hostedZoneId: props.hostedZoneId,
      name: props.domainName,
      type: 'A',
      setIdentifier: props.setIdentifier ?? `switchboard-${props.region}`,
      healthCheckId: this.healthCheck.attrHealthCheckId,
      aliasTarget: {
        dnsName: props.target.domainNameAliasDomainName,
        hostedZoneId: props.target.domainNameAliasHostedZoneId,
        evaluateTargetHealth: true,
      },
      ...(props.role.routing === 'failover' ? { failover: props.role.failover } : { region: props.region }),
    });
  }
}
