// ProviderHealthCheck: the scheduled (every minute) function that probes every configured provider and
// records health for the breaker and /health, calls the region's own GET /health once for the RegionHealthy
// metric that regional failover follows, and sweeps the budget leases that this region's instances left when
// they died, giving their unused room back.
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { SwitchboardFunction, type BedrockModel } from './gateway-function';
import { SERVICES } from '../config/metrics';

export interface ProviderHealthCheckProps {
  /** esbuild `define` entries: the bundled gateway config (the providers to probe) */
  readonly define: Record<string, string>;
  readonly breakerTable: ITable;
  /** provider key secrets the probes need */
  readonly secretNames: readonly string[];
  /** Bedrock models the probes may call @default [] */
  readonly bedrockModels?: readonly BedrockModel[];
  /**
   * How often it runs. Each run calls the region's /health once: one gateway invocation a minute is what the
   * region's failover costs, not one per Route 53 checker every few seconds.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /** the region's own GET /health URL (its API's execute-api endpoint) @default - the region is not probed */
  readonly regionHealthUrl?: string;
  /** @default - generated */
  readonly logGroupName?: string;
  /** @default 'Switchboard' */
  readonly metricNamespace?: string;
  /** @default - generated */
  readonly ruleName?: string;
  /**
   * Sweep expired budget leases of this region's own ledger items (each region sweeps its own: global-table
   * replication is last-writer-wins per item, so a release written to another region's item could race with
   * that region's own writes) @default - no sweep
   */
  readonly leaseSweep?: { readonly costLedgerTable: ITable; readonly tenantsTable: ITable };
}

export class ProviderHealthCheck extends Construct {
  readonly function: SwitchboardFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ProviderHealthCheckProps) {
    super(scope, id);
    this.function = new SwitchboardFunction(this, 'Function', {
      entry: 'lambdas/handlers/health-check.ts',
      description: 'Switchboard provider health check: probes each provider, records health and latency',
      serviceName: SERVICES.healthCheck,
      // concurrent HTTPS probes with 5 s timeouts: I/O bound, the smallest useful size
      memorySize: 256,
      // shorter than the schedule, so runs do not pile up (no reserved concurrency: see SwitchboardFunction)
      timeout: Duration.seconds(30),
      define: props.define,
      logGroupName: props.logGroupName,
      metricNamespace: props.metricNamespace,
      tracing: false,
    });
    if (props.regionHealthUrl) this.function.addEnvironment('REGION_HEALTH_URL', props.regionHealthUrl);
    // a key put or rotated reaches the probes within 5 minutes; each read is a billed Secrets Manager call
    this.function.bindTable(props.breakerTable, 'breakerState', 'write').allowSecretsRead(props.secretNames, Duration.minutes(5));
    if (props.leaseSweep) {
      this.function.bindTable(props.leaseSweep.costLedgerTable, 'costLedger', 'readWrite').bindTable(props.leaseSweep.tenantsTable, 'tenants', 'read');
      this.function.addEnvironment('SWEEP_LEASES', 'true');
    }
    this.function.allowBedrock(props.bedrockModels ?? []);

    this.rule = new Rule(this, 'Schedule', {
      ruleName: props.ruleName,
      description: 'Runs the Switchboard provider health check',
      schedule: Schedule.rate(props.interval ?? Duration.minutes(1)),
    });
    // a missed run is replaced by the next one a minute later: no retries, no dead-letter queue
    this.rule.addTarget(new LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }));
    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'A missed health-check run is replaced by the next one a minute later; nothing to keep.',
    });
  }
}
