// The stateful stack, deployed once in the primary region: the global tables (replicated to every other
// region) and the provider-key secrets (replicated likewise) with their rotation. Service stacks in any
// region reach the replicas by name, so nothing here is exported.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ProviderSecrets, type KeyedProvider } from '../constructs/provider-secrets';
import { StateTables } from '../constructs/state-tables';

export interface RegionalStateStackProps extends StackProps {
  /** regions (other than this one) that get table and secret replicas @default [] */
  readonly replicaRegions?: readonly string[];
  readonly keyedProviders: readonly KeyedProvider[];
  /** @default [] */
  readonly gatewayKeys?: readonly string[];
}

/** The rotation function's fixed name, so each region's alerting can watch it without an export. */
export function rotationFunctionName(stateStackName: string): string {
  return `${stateStackName}-secret-rotation`.slice(0, 64);
}

export class RegionalStateStack extends Stack {
  readonly tables: StateTables;
  readonly secrets: ProviderSecrets;

  constructor(scope: Construct, id: string, props: RegionalStateStackProps) {
    super(scope, id, props);
    this.tables = new StateTables(this, 'Tables', { replicaRegions: props.replicaRegions });
    this.secrets = new ProviderSecrets(this, 'ProviderSecrets', {
      providers: props.keyedProviders,
      gatewayKeys: props.gatewayKeys,
      replicaRegions: props.replicaRegions,
      rotationFunctionName: rotationFunctionName(this.stackName),
    });
  }
}
