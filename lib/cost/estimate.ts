// What a deployment costs, from its synthesized templates: idle (a month with no traffic: alarms,
// dashboards, secrets, keys, health checks and the scheduled check's own runs) and per million requests
// (as a function of the gateway's memory). `npm run cost` prints the tables the README and docs/deploy.md
// show; test/infra/cost.test.ts pins them, so a change that raises the idle cost fails a test.
import type { GatewayConfig } from '../../lambdas/core/config/schema';
import { METRICS } from '../../lambdas/core/observability';
import { SERVICES } from '../config/metrics';
import { GB, MINUTES_PER_MONTH, PRICES } from './prices';

export interface CostLine {
  item: string;
  arithmetic: string;
  usd: number;
}

export interface RegionIdle {
  region: string;
  lines: CostLine[];
  usd: number;
}

export interface IdleCost {
  regions: RegionIdle[];
  /** what is not per region (budgets) */
  shared: CostLine[];
  usd: number;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

export interface StackTemplate {
  /** the stack's region ('' when environment-agnostic) */
  region: string;
  template: { Resources: Resources };
}

/**
 * Assumptions the templates cannot say, each measured or bounded where noted. The scheduled check's run
 * (probes of every provider and the region's /health, in parallel, 5 s timeouts) is taken at a second; the
 * gateway's answer to /health (breaker state in memory, one store read) at 100 ms.
 */
export const IDLE_ASSUMPTIONS = {
  healthCheckRunSeconds: 1.0,
  gatewayHealthSeconds: 0.1,
  /** the check's log line, one EMF blob per provider and one for the region */
  healthCheckLogBytes: (providers: number) => 600 + 350 * (providers + 1),
  /** the gateway's request line for /health (no metrics: core/gateway.ts) and its access log line */
  healthRequestLogBytes: 600 + 450,
  /** the store check of /health and the lease sweep's query */
  readUnitsPerRun: 2,
} as const;

const usd = (n: number) => Math.round(n * 10_000) / 10_000;
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4)).replace(/\.?0+$/, '') || '0';
const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

function ofType(t: StackTemplate, type: string) {
  return Object.values(t.template.Resources).filter((r) => r.Type === type);
}

/** the Powertools service a function runs as */
function functionOf(t: StackTemplate, service: string) {
  return ofType(t, 'AWS::Lambda::Function').find((f) => f.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service);
}

/** metric series an idle region publishes, by metric name (everything else is published only with traffic) */
function idleSeries(metric: string, providers: number): number {
  if (metric === METRICS.providerHealthy) return providers;
  if (metric === METRICS.regionHealthy) return 1;
  return 0;
}

/** An alarm's monthly price: per metric it reads; a Metrics Insights alarm per series its query reads while idle. */
export function alarmPrice(props: Record<string, any>, providers: number): { standard: number; insightsSeries: number } {
  if (props.MetricName) return { standard: 1, insightsSeries: 0 };
  let standard = 0;
  let insightsSeries = 0;
  for (const m of (props.Metrics ?? []) as Array<Record<string, any>>) {
    if (m.MetricStat) standard += 1;
    const select = typeof m.Expression === 'string' ? /^SELECT \w+\((\w+)\)/.exec(m.Expression) : null;
    if (select) insightsSeries += idleSeries(select[1]!, providers);
  }
  return { standard, insightsSeries };
}

function scheduleMinutes(t: StackTemplate): number | undefined {
  const rule = ofType(t, 'AWS::Events::Rule').find((r) => /^rate\(/.test(String(r.Properties?.ScheduleExpression)));
  const m = rule && /^rate\((\d+) minutes?\)$/.exec(String(rule.Properties!.ScheduleExpression));
  return m ? Number(m[1]) : undefined;
}

/** providers the scheduled check probes (and publishes ProviderHealthy for); keyed ones read a secret */
function providersOf(config: GatewayConfig): { probed: number; keyed: number } {
  const real = config.providers.filter((p) => p.type !== 'mock');
  return { probed: real.length, keyed: real.filter((p) => p.apiKeySecret || p.apiKeyEnv).length };
}

export function idleCost(stacks: readonly StackTemplate[], config: GatewayConfig): IdleCost {
  const { probed, keyed } = providersOf(config);
  const P = PRICES;
  const byRegion = new Map<string, CostLine[]>();
  const linesOf = (region: string) => byRegion.get(region) ?? byRegion.set(region, []).get(region)!;
  const shared: CostLine[] = [];
  const serviceRegions = stacks.filter((s) => functionOf(s, SERVICES.gateway)).map((s) => s.region);

  // secrets and their replicas, each billed in its own region
  for (const s of stacks) {
    for (const secret of ofType(s, 'AWS::SecretsManager::Secret')) {
      const replicas = ((secret.Properties?.ReplicaRegions ?? []) as Array<{ Region: string }>).map((r) => r.Region);
      for (const region of [s.region, ...replicas]) {
        linesOf(region).push({ item: `secret ${secret.Properties?.Name ?? ''}`.trim(), arithmetic: `1 × $${P.secretsManager.secret}`, usd: P.secretsManager.secret });
      }
    }
    for (const _ of ofType(s, 'AWS::KMS::Key')) linesOf(s.region).push({ item: 'KMS key', arithmetic: `1 × $${P.kms.key}`, usd: P.kms.key });
    // an SQS event source mapping polls its queue whether or not anything is in it (batches, when enabled)
    const polled = ofType(s, 'AWS::Lambda::EventSourceMapping').length;
    if (polled) {
      const requests = polled * P.sqs.idlePollsPerMapping;
      linesOf(s.region).push({ item: 'SQS polling of idle batch queues', arithmetic: `${polled} event source mappings × ${P.sqs.idlePollsPerMapping.toLocaleString('en-US')} long polls × $${P.sqs.perMillionRequests}/M`, usd: usd((requests / 1e6) * P.sqs.perMillionRequests) });
    }
    for (const b of ofType(s, 'AWS::Budgets::Budget')) {
      shared.push({ item: `budget ${b.Properties?.Budget?.BudgetName ?? ''}`.trim(), arithmetic: `$0.02 × 30.4 days`, usd: usd(P.budgets.budget) });
    }
  }

  for (const s of stacks) {
    const lines = linesOf(s.region);
    const dashboards = ofType(s, 'AWS::CloudWatch::Dashboard').length;
    if (dashboards) lines.push({ item: 'dashboard', arithmetic: `${dashboards} × $${P.cloudwatch.dashboard}`, usd: dashboards * P.cloudwatch.dashboard });

    let standard = 0;
    let insights = 0;
    for (const a of ofType(s, 'AWS::CloudWatch::Alarm')) {
      const price = alarmPrice(a.Properties ?? {}, probed);
      standard += price.standard;
      insights += price.insightsSeries;
    }
    const composites = ofType(s, 'AWS::CloudWatch::CompositeAlarm').length;
    if (standard + insights + composites) {
      lines.push({
        item: 'alarms',
        arithmetic:
          `${standard} alarm metrics × $${P.cloudwatch.alarmMetric} + ${insights} series read by Metrics Insights alarms × $${P.cloudwatch.insightsAlarmMetric}` +
          (composites ? ` + ${composites} composite × $${P.cloudwatch.compositeAlarm}` : ''),
        usd: usd(standard * P.cloudwatch.alarmMetric + insights * P.cloudwatch.insightsAlarmMetric + composites * P.cloudwatch.compositeAlarm),
      });
    }

    for (const hc of ofType(s, 'AWS::Route53::HealthCheck')) {
      const c = hc.Properties?.HealthCheckConfig ?? {};
      const features = ['HTTPS', 'HTTPS_STR_MATCH', 'HTTP_STR_MATCH'].includes(c.Type) ? 1 + (c.Type.endsWith('STR_MATCH') ? 1 : 0) : 0;
      const extra = features + (c.RequestInterval === 10 ? 1 : 0) + (c.MeasureLatency ? 1 : 0);
      lines.push({
        item: `Route 53 health check (${c.Type})`,
        arithmetic: extra ? `$${P.route53.healthCheck} + ${extra} options × $${P.route53.healthCheckFeature}` : `1 × $${P.route53.healthCheck}`,
        usd: P.route53.healthCheck + extra * P.route53.healthCheckFeature,
      });
    }
    for (const acl of ofType(s, 'AWS::WAFv2::WebACL')) {
      const rules = (acl.Properties?.Rules ?? []).length;
      lines.push({ item: 'WAF web ACL', arithmetic: `$${P.waf.webAcl} + ${rules} rules × $${P.waf.rule}`, usd: P.waf.webAcl + rules * P.waf.rule });
    }

    // the scheduled check and what its runs cost
    const health = functionOf(s, SERVICES.healthCheck);
    const gateway = functionOf(s, SERVICES.gateway);
    const every = scheduleMinutes(s);
    if (!health || !gateway || !every) continue;
    const A = IDLE_ASSUMPTIONS;
    const runs = MINUTES_PER_MONTH / every;
    const probesRegion = Boolean(health.Properties?.Environment?.Variables?.REGION_HEALTH_URL);
    const healthGb = (health.Properties!.MemorySize as number) / 1024;
    const gatewayGb = (gateway.Properties!.MemorySize as number) / 1024;
    const metrics = probed + (probesRegion ? 1 : 0);
    lines.push({
      item: 'custom metrics of the scheduled check',
      arithmetic: `(${probed} ProviderHealthy${probesRegion ? ' + 1 RegionHealthy' : ''}) × $${P.cloudwatch.customMetric}`,
      usd: usd(metrics * P.cloudwatch.customMetric),
    });
    const healthGbS = runs * A.healthCheckRunSeconds * healthGb;
    lines.push({
      item: 'scheduled check: Lambda',
      arithmetic: `${num(runs)} runs × ${A.healthCheckRunSeconds} s × ${healthGb} GB × $${P.lambda.perGbSecond} + ${num(runs)} × $${P.lambda.perMillionRequests}/M`,
      usd: usd(healthGbS * P.lambda.perGbSecond + (runs / 1e6) * P.lambda.perMillionRequests),
    });
    if (probesRegion) {
      lines.push({
        item: "its /health call: API Gateway and the gateway function",
        arithmetic: `${num(runs)} × $${P.apiGateway.perMillionRequests}/M + ${num(runs)} × ${A.gatewayHealthSeconds} s × ${gatewayGb} GB × $${P.lambda.perGbSecond} + ${num(runs)} × $${P.lambda.perMillionRequests}/M`,
        usd: usd((runs / 1e6) * (P.apiGateway.perMillionRequests + P.lambda.perMillionRequests) + runs * A.gatewayHealthSeconds * gatewayGb * P.lambda.perGbSecond),
      });
    }
    const replicas = Math.max(0, serviceRegions.length - 1);
    const writes = runs * probed;
    lines.push({
      item: 'DynamoDB: provider health, store check, lease sweep',
      arithmetic:
        `${num(writes)} writes × $${P.dynamodb.perMillionWriteUnits}/M` +
        (replicas ? ` + ${replicas} replica × ${num(writes)} × $${P.dynamodb.perMillionReplicatedWriteUnits}/M` : '') +
        ` + ${num(runs * A.readUnitsPerRun)} reads × $${P.dynamodb.perMillionReadUnits}/M`,
      usd: usd(
        (writes / 1e6) * (P.dynamodb.perMillionWriteUnits + replicas * P.dynamodb.perMillionReplicatedWriteUnits) +
          ((runs * A.readUnitsPerRun) / 1e6) * P.dynamodb.perMillionReadUnits,
      ),
    });
    const ttlMinutes = (fn: typeof health) => Number(fn.Properties?.Environment?.Variables?.SECRET_CACHE_TTL_MS ?? 60_000) / 60_000;
    const calls = keyed * (MINUTES_PER_MONTH / Math.max(every, ttlMinutes(health)) + (probesRegion ? MINUTES_PER_MONTH / Math.max(every, ttlMinutes(gateway)) : 0));
    if (calls) {
      lines.push({
        item: 'Secrets Manager reads (key caches expire)',
        arithmetic: `${num(calls)} calls × $${P.secretsManager.perTenThousandCalls}/10k`,
        usd: usd((calls / 1e4) * P.secretsManager.perTenThousandCalls),
      });
    }
    const logBytes = runs * (A.healthCheckLogBytes(probed) + (probesRegion ? A.healthRequestLogBytes : 0));
    lines.push({
      item: 'CloudWatch Logs of the check',
      arithmetic: `${num(logBytes / 1e6)} MB × ($${P.cloudwatch.logIngestPerGb} + $${P.cloudwatch.logStoragePerGbMonth})/GB`,
      usd: usd((logBytes / GB) * (P.cloudwatch.logIngestPerGb + P.cloudwatch.logStoragePerGbMonth)),
    });
  }

  const regions = [...byRegion].map(([region, lines]) => ({ region, lines, usd: usd(lines.reduce((a, l) => a + l.usd, 0)) }));
  const total = regions.reduce((a, r) => a + r.usd, 0) + shared.reduce((a, l) => a + l.usd, 0);
  return { regions, shared, usd: usd(total) };
}

/** One request's profile; the defaults are the README's example (a chat request, 2 s upstream). */
export interface RequestProfile {
  gatewayMemoryMb: number;
  /** the provider's time to the last byte */
  upstreamSeconds: number;
  /**
   * CPU milliseconds of the gateway's own work per request at one full vCPU (parse, auth, limits, routing,
   * answer, settlement): Lambda gives CPU in proportion to memory (1,769 MB = one vCPU), so at less memory it
   * takes proportionally longer. Replace with `npm run bench`'s figure.
   */
  gatewayCpuMs: number;
  /** the gateway's DynamoDB round trips after the answer, inside the invocation (billed) */
  gatewayIoMs: number;
  /** share of requests that invoke the authorizer (1: no authorizer cache) */
  authorizerShare: number;
  authorizerMemoryMb: number;
  authorizerSeconds: number;
  /** ledger entry and the day's and month's settlement, each within 1 KB */
  writeUnits: number;
  readUnits: number;
  /** regions a global-table write is replicated to */
  replicaRegions: number;
  /** the request's log line, its EMF metric lines and its access log line */
  logBytes: number;
  traceSampleRate: number;
  /** the answer's bytes out to the internet */
  responseBytes: number;
}

/**
 * A chat request as `npm run bench` measured it in Lambda's mode (GROUP_COMMIT_MS=0, bench/README.md): 4.55 ms
 * of the gateway's CPU (x64 here), 2.5-2.9 write and 0.01-0.03 read units, 2,132 B of log lines (request line,
 * EMF, Lambda's platform lines) plus API Gateway's access log line. The writes' round trips after the last byte
 * are not measured (no AWS here): 25 ms is kept for them. The ledger's ByRequest index (GET /v1/requests)
 * costs one more write unit per entry, which dynalite does not report: added.
 */
export const DEFAULT_REQUEST: Omit<RequestProfile, 'gatewayMemoryMb'> = {
  upstreamSeconds: 2,
  gatewayCpuMs: 4.55,
  gatewayIoMs: 25,
  authorizerShare: 1,
  authorizerMemoryMb: 256,
  authorizerSeconds: 0.01,
  writeUnits: 2.9 + 1,
  readUnits: 0.05,
  replicaRegions: 0,
  logBytes: 2_132 + 500,
  traceSampleRate: 0.05,
  responseBytes: 4_000,
};

/** what one request costs the gateway in seconds of wall time, at this memory */
export function gatewaySeconds(p: Pick<RequestProfile, 'gatewayMemoryMb' | 'upstreamSeconds' | 'gatewayCpuMs' | 'gatewayIoMs'>): number {
  const cpuShare = Math.min(1, p.gatewayMemoryMb / 1769);
  return p.upstreamSeconds + (p.gatewayCpuMs / cpuShare + p.gatewayIoMs) / 1000;
}

export function perMillionRequests(p: RequestProfile): { lines: CostLine[]; usd: number } {
  const P = PRICES;
  const M = 1e6;
  const seconds = gatewaySeconds(p);
  const gb = p.gatewayMemoryMb / 1024;
  const lines: CostLine[] = [
    { item: 'API Gateway REST', arithmetic: `1M × $${P.apiGateway.perMillionRequests}/M`, usd: P.apiGateway.perMillionRequests },
    {
      item: `gateway Lambda (${p.gatewayMemoryMb} MB)`,
      arithmetic:
        `1M × (${p.upstreamSeconds} s upstream + ${fmt(seconds - p.upstreamSeconds)} s own: ${p.gatewayCpuMs} ms CPU × 1769/${Math.min(p.gatewayMemoryMb, 1769)} + ${p.gatewayIoMs} ms writes)` +
        ` × ${gb} GB × $${P.lambda.perGbSecond} + $${P.lambda.perMillionRequests}`,
      usd: usd(M * seconds * gb * P.lambda.perGbSecond + P.lambda.perMillionRequests),
    },
    {
      item: 'authorizer Lambda',
      arithmetic: `${p.authorizerShare}M × (${p.authorizerSeconds} s × ${p.authorizerMemoryMb / 1024} GB × $${P.lambda.perGbSecond} + $${P.lambda.perMillionRequests}/M)`,
      usd: usd(p.authorizerShare * (M * p.authorizerSeconds * (p.authorizerMemoryMb / 1024) * P.lambda.perGbSecond + P.lambda.perMillionRequests)),
    },
    {
      item: 'DynamoDB',
      arithmetic:
        `${p.writeUnits} writes × $${P.dynamodb.perMillionWriteUnits} + ${p.readUnits} reads × $${P.dynamodb.perMillionReadUnits}` +
        (p.replicaRegions ? ` + ${p.replicaRegions} replica × ${p.writeUnits} × $${P.dynamodb.perMillionReplicatedWriteUnits}` : ''),
      usd: usd(
        p.writeUnits * (P.dynamodb.perMillionWriteUnits + p.replicaRegions * P.dynamodb.perMillionReplicatedWriteUnits) + p.readUnits * P.dynamodb.perMillionReadUnits,
      ),
    },
    {
      item: 'CloudWatch Logs',
      arithmetic: `1M × ${num(p.logBytes)} B = ${num((p.logBytes * M) / GB)} GB × ($${P.cloudwatch.logIngestPerGb} + $${P.cloudwatch.logStoragePerGbMonth})`,
      usd: usd(((p.logBytes * M) / GB) * (P.cloudwatch.logIngestPerGb + P.cloudwatch.logStoragePerGbMonth)),
    },
    { item: 'X-Ray', arithmetic: `${p.traceSampleRate} × 1M traces × $${P.xray.perMillionTraces}/M`, usd: usd(p.traceSampleRate * P.xray.perMillionTraces) },
    {
      item: 'data transfer out',
      arithmetic: `1M × ${num(p.responseBytes)} B = ${num((p.responseBytes * M) / GB)} GB × $${P.dataTransferOutPerGb}`,
      usd: usd(((p.responseBytes * M) / GB) * P.dataTransferOutPerGb),
    },
  ];
  return { lines, usd: usd(lines.reduce((a, l) => a + l.usd, 0)) };
}

export function markdownTable(lines: readonly CostLine[], total: { label: string; usd: number }, column = 'per month'): string {
  const rows = lines.map((l) => `| ${l.item} | ${l.arithmetic} | $${l.usd.toFixed(2)} |`);
  return [`| item | arithmetic | ${column} |`, '|---|---|---|', ...rows, `| **${total.label}** | | **$${total.usd.toFixed(2)}** |`].join('\n');
}

/** The templates of a built app's stacks, with their regions. */
export function stackTemplates(stacks: ReadonlyArray<{ artifactId: string; region: string }>, assembly: { getStackArtifact(id: string): { template: unknown } }): StackTemplate[] {
  return stacks.map((s) => ({
    region: s.region.startsWith('${Token') ? '' : s.region,
    template: assembly.getStackArtifact(s.artifactId).template as StackTemplate['template'],
  }));
}
