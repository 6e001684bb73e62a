// Regional failover, end to end: the scheduled health check calls the region's own GET /health (the local
// gateway: the same handler the Lambda function runs) once a "minute", its RegionHealthy values go through
// the RegionUnhealthy alarm exactly as the Alerting construct defines it (read from a synthesized template),
// and the Route 53 failover record follows the alarm. The region leaves DNS when its API, its function, its
// state store or all its providers are down, or when the check stops reporting; it stays while it serves.
// Faults come from fake servers on loopback and a dynalite that is stopped.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, Stack } from 'aws-cdk-lib';
import { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoProviderHealthStore } from '../../lambdas/adapters/dynamodb/provider-health';
import { NodeHttpClient } from '../../lambdas/adapters/http/node-http-client';
import { runHealthChecks } from '../../lambdas/core/health/check-providers';
import { METRICS } from '../../lambdas/core/observability';
import type { Logger, Metrics } from '../../lambdas/core/ports';
import { Alerting } from '../../lib/constructs/alerting';
import { failing, healthy } from '../fakes/faults';
import { startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestDynamo } from '../helpers/dynalite';
import { baseConfig, startTestGateway, type TestGateway } from '../helpers/gateway';

interface AlarmRule {
  threshold: number;
  comparison: string;
  periods: number;
  datapointsToAlarm: number;
  missingBreaches: boolean;
}

let rule: AlarmRule;

/** The RegionUnhealthy alarm as the Alerting construct synthesizes it. */
beforeAll(() => {
  const stack = new Stack(new App(), 'Probe');
  const api = new RestApi(stack, 'Api');
  api.root.addMethod('GET');
  const alerting = new Alerting(stack, 'Alerting', {
    api,
    gatewayFunction: LambdaFunction.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111122223333:function:gw'),
    functions: {},
    tables: [TableV2.fromTableName(stack, 'T', 'switchboard-tenants')],
  });
  const id = stack.getLogicalId(alerting.regionUnhealthy.node.defaultChild as never);
  const props = Template.fromStack(stack).toJSON().Resources[id].Properties as Record<string, unknown>;
  expect(props).toMatchObject({ MetricName: METRICS.regionHealthy, Statistic: 'Minimum', Period: 60 });
  rule = {
    threshold: props.Threshold as number,
    comparison: props.ComparisonOperator as string,
    periods: props.EvaluationPeriods as number,
    datapointsToAlarm: (props.DatapointsToAlarm as number | undefined) ?? (props.EvaluationPeriods as number),
    missingBreaches: props.TreatMissingData === 'breaching',
  };
});

/** CloudWatch's verdict on the last minutes: one value per minute (the minimum), undefined when none arrived. */
function alarmState(minutes: Array<number | undefined>): 'ALARM' | 'OK' {
  const breaching = (v: number | undefined) =>
    v === undefined ? rule.missingBreaches : rule.comparison === 'LessThanThreshold' ? v < rule.threshold : v >= rule.threshold;
  return minutes.slice(-rule.periods).filter(breaching).length >= rule.datapointsToAlarm ? 'ALARM' : 'OK';
}

/** Route 53 failover: the primary while its health check (its alarm) is healthy, else the secondary. */
function served(primary: 'ALARM' | 'OK', secondary: 'ALARM' | 'OK'): 'primary' | 'secondary' {
  // with both unhealthy Route 53 answers with the primary anyway
  return primary === 'OK' || secondary === 'ALARM' ? 'primary' : 'secondary';
}

const KEY = 'sk-upstream-failover-0001';
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function fake(handler: Parameters<typeof startFakeUpstream>[0]): Promise<FakeUpstream> {
  const f = await startFakeUpstream(handler);
  cleanup.push(() => f.close());
  return f;
}

async function region(providers: FakeUpstream[], dynamodbEndpoint?: string): Promise<TestGateway> {
  const gw = await startTestGateway(
    baseConfig({
      providers: providers.map((p, i) => ({ id: `p${i}`, type: 'openai', baseUrl: `${p.url}/v1`, apiKeyEnv: 'UPSTREAM_KEY' })),
      models: [{ name: 'm', targets: providers.map((_, i) => ({ provider: `p${i}`, model: 'x' })) }],
    }),
    { env: { UPSTREAM_KEY: KEY }, dynamodbEndpoint },
  );
  cleanup.push(() => gw.close());
  return gw;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * One run of the scheduled check as the Lambda function makes it: another process than the gateway (the
 * gateway learns provider health from the table), calling `healthUrl`. Its RegionHealthy value; a run that
 * fails to record still publishes it.
 */
async function scheduledCheck(gw: TestGateway, healthUrl = `${gw.url}/health`): Promise<number | undefined> {
  const points: Array<{ name: string; value: number }> = [];
  const metrics: Metrics = { add: (name, value) => void points.push({ name, value }), flush: () => {} };
  await runHealthChecks({
    providers: gw.runtime.deps.providers,
    store: new DynamoProviderHealthStore(gw.runtime.dynamo, gw.runtime.tables.breakerState),
    clock: { now: () => Date.now() },
    logger: silent,
    metrics,
    region: 'local',
    regionEndpoint: { url: healthUrl, http: new NodeHttpClient() },
  }).catch(() => undefined);
  return points.find((p) => p.name === METRICS.regionHealthy)?.value;
}

async function minutes(n: number, run: () => Promise<number | undefined>): Promise<Array<number | undefined>> {
  const out: Array<number | undefined> = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

/** the gateway reads the store for /health at most once per 5 s (HEALTH_STORE_CHECK_MS): a minute apart in AWS */
const storeReadInterval = () => new Promise((r) => setTimeout(r, 5_100));

describe('regional failover follows the region\'s own /health', () => {
  it('keeps a serving region in DNS', async () => {
    const gw = await region([await fake(healthy())]);
    const values = await minutes(3, () => scheduledCheck(gw));
    expect(values).toEqual([1, 1, 1]);
    expect(alarmState(values)).toBe('OK');
    expect(served(alarmState(values), 'OK')).toBe('primary');
  });

  it('fails over when the API does not answer', async () => {
    const gw = await region([await fake(healthy())]);
    const closed = await freePort();
    const values = await minutes(3, () => scheduledCheck(gw, `http://127.0.0.1:${closed}/prod/health`));
    expect(values).toEqual([0, 0, 0]);
    expect(served(alarmState(values), 'OK')).toBe('secondary');
  });

  it("fails over when the gateway function fails (API Gateway's 502 for a failed integration)", async () => {
    const gw = await region([await fake(healthy())]);
    const apiGateway = await fake(failing(502));
    const values = await minutes(3, () => scheduledCheck(gw, `${apiGateway.url}/prod/health`));
    expect(values).toEqual([0, 0, 0]);
    expect(served(alarmState(values), 'OK')).toBe('secondary');
  });

  it('fails over when the state store does not answer', async () => {
    const db = await startTestDynamo();
    const gw = await region([await fake(healthy())], db.endpoint);
    await db.stop();
    const values = await minutes(2, () => scheduledCheck(gw));
    expect(values).toEqual([0, 0]);
    expect(served(alarmState(values), 'OK')).toBe('secondary');
  });

  it('fails over when every provider fails its health probe', async () => {
    const gw = await region([await fake(failing(503)), await fake(failing(500))]);
    // the first run records the providers' failures; the gateway reads them on its next store read
    const first = await scheduledCheck(gw);
    await storeReadInterval();
    const values = [first, ...(await minutes(2, () => scheduledCheck(gw)))];
    expect(values.slice(1)).toEqual([0, 0]);
    expect(served(alarmState(values), 'OK')).toBe('secondary');
  });

  it('fails over when the scheduled check stops reporting, and comes back once it serves again', async () => {
    expect(alarmState([1, undefined, undefined])).toBe('ALARM');
    expect(alarmState([0, 0, 1])).toBe('OK');
    // one bad minute is not a failover
    expect(alarmState([1, 0, 1])).toBe('OK');
    expect(alarmState([1, 1, 0])).toBe('OK');
  });
});

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
