// CostBudget: an AWS Budgets monthly cost budget for one deployment, alerting the alarm topic at 80 % of the
// budget spent and at 100 % forecast. It counts the costs tagged switchboard:deployment=<name> (activate that
// tag as a cost allocation tag in the Billing console once). Budgets are global: one per deployment. The
// first two budgets of an account are free; each further one costs $0.02 a day.
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** the tag every resource of a deployment carries (bin/app.ts tags the stacks), which the budget filters on */
export const DEPLOYMENT_TAG = 'switchboard:deployment';

export interface CostBudgetProps {
  readonly budgetName: string;
  readonly deployment: string;
  readonly monthlyUsd: number;
  /** the topic AWS Budgets publishes to (it must allow budgets.amazonaws.com to publish) */
  readonly topic: ITopic;
}

export class CostBudget extends Construct {
  readonly budget: CfnBudget;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const subscribers = [{ subscriptionType: 'SNS', address: props.topic.topicArn }];
    const at = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number): CfnBudget.NotificationWithSubscribersProperty => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers,
    });
    this.budget = new CfnBudget(this, 'Budget', {
      budget: {
        budgetName: props.budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyUsd, unit: 'USD' },
        costFilters: { TagKeyValue: [`user:${DEPLOYMENT_TAG}$${props.deployment}`] },
      },
      notificationsWithSubscribers: [at('ACTUAL', 80), at('FORECASTED', 100)],
    });
  }
}
