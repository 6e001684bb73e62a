// The chaos scenarios: a real local gateway (embedded dynalite, the Lambda handler) in front of fake
// providers on loopback that fail in one way each, driven with the official OpenAI client. Shared by the
// chaos tests (which assert the "done when" bounds) and `npm run chaos` (which prints the table).
import OpenAI from 'openai';
import { validateGatewayConfig } from '../../lambdas/core/config/load';
import type { LogAttributes, Logger, Metrics } from '../../lambdas/core/ports';
import { startLocalGateway } from '../../lambdas/local/server';
import { ANSWER, alternating, cutStream, everyNth, failing, hanging, healthy, malformed, resetting } from '../fakes/faults';
import { startFakeUpstream, type FakeHandler } from '../fakes/upstream';

const TENANT_KEY = 'sk-chaos-tenant-key-0001';
const UPSTREAM_KEY = 'sk-chaos-upstream-key-0001';

export interface Scenario {
  name: string;
  /** what the failing provider does */
  fault: string;
  requests: number;
  concurrency: number;
  stream?: boolean;
  /** how the first target answers */
  primary: () => FakeHandler;
  /** a healthy second target; without it the model has the primary alone */
  backup?: boolean;
  hedge?: boolean;
  /** settings of the primary provider (timeouts, breaker, retry) */
  primarySettings?: Record<string, unknown>;
}

export interface ScenarioResult {
  scenario: Scenario;
  /** answered whole: 200 and the complete text (a stream also ended with [DONE]) */
  served: number;
  /** failed in a way the client saw: an HTTP error, or a stream error event the SDK raised */
  visibleErrors: number;
  /** a stream that ended cleanly with a partial answer: must never happen */
  silentPartial: number;
  attemptsPerRequest: number;
  /** calls the failing provider received, in all and after its breaker first opened */
  primaryCalls: number;
  callsAfterOpen: number | undefined;
  /** calls the failing provider received after it first answered 429, inside its Retry-After window */
  callsInThrottleWindow: number | undefined;
  p50: number;
  p99: number;
  durationMs: number;
  logs: Array<{ at: number; message: string; attributes?: LogAttributes }>;
}

/** small cooldowns and backoffs keep the suite fast; failure thresholds are the defaults */
const FAST = { breaker: { cooldownMs: 2_000 }, retry: { baseDelayMs: 20, maxDelayMs: 200 } };

export const SCENARIOS = {
  primaryDown: {
    name: 'primary down (500/503), healthy backup',
    fault: '500 and 503 on every call',
    requests: 300,
    concurrency: 10,
    backup: true,
    primary: () => alternating(failing(500), failing(503)),
  },
  reset: {
    name: 'connection reset, healthy backup',
    fault: 'socket destroyed before any answer',
    requests: 100,
    concurrency: 5,
    backup: true,
    primary: resetting,
  },
  malformed: {
    name: 'malformed JSON, healthy backup',
    fault: '200 with a body that is not JSON',
    requests: 100,
    concurrency: 5,
    backup: true,
    primary: malformed,
  },
  flaky: {
    name: 'single target failing every other call',
    fault: '500 on odd calls, answers on even ones',
    requests: 100,
    concurrency: 1,
    primary: () => alternating(failing(500), healthy()),
  },
  hang: {
    name: 'hanging primary, 500 ms timeout',
    fault: 'accepts and never answers',
    requests: 60,
    concurrency: 4,
    backup: true,
    primary: hanging,
    primarySettings: { timeoutMs: 500 },
  },
  throttled: {
    name: '429 with Retry-After: 5',
    fault: '429, Retry-After: 5',
    requests: 60,
    // one at a time: a call already on its way when the first 429 came back is not a call "again"
    concurrency: 1,
    backup: true,
    primary: () => failing(429, { 'retry-after': '5' }),
  },
  slowTail: {
    name: 'slow tail (1 call in 12 takes 1.5 s)',
    fault: 'every 12th answer after 1500 ms, others after 30 ms',
    requests: 96,
    concurrency: 4,
    backup: true,
    primary: () => everyNth(12, healthy({ delayMs: 1_500 }), healthy({ delayMs: 30 })),
  },
  slowTailHedged: {
    name: 'slow tail, hedged',
    fault: 'as above, model with hedge: true',
    requests: 96,
    concurrency: 4,
    backup: true,
    hedge: true,
    primary: () => everyNth(12, healthy({ delayMs: 1_500 }), healthy({ delayMs: 30 })),
  },
  streamCutPreamble: {
    name: 'stream cut after its first chunk (role preamble)',
    fault: 'SSE: role chunk, then reset',
    requests: 40,
    concurrency: 4,
    stream: true,
    backup: true,
    primary: () => cutStream('preamble'),
  },
  streamCutContent: {
    name: 'stream cut after its first content chunk',
    fault: 'SSE: role chunk, "alpha ", then reset',
    requests: 40,
    concurrency: 4,
    stream: true,
    backup: true,
    primary: () => cutStream('first-content'),
  },
} satisfies Record<string, Scenario>;

class TimedLogger implements Logger {
  readonly lines: ScenarioResult['logs'] = [];
  private write(message: string, attributes?: LogAttributes) {
    this.lines.push({ at: Date.now(), message, attributes });
  }
  debug(m: string, a?: LogAttributes) {
    this.write(m, a);
  }
  info(m: string, a?: LogAttributes) {
    this.write(m, a);
  }
  warn(m: string, a?: LogAttributes) {
    this.write(m, a);
  }
  error(m: string, a?: LogAttributes) {
    this.write(m, a);
  }
}

const silentMetrics: Metrics = { add: () => {}, flush: () => {} };

interface RequestOutcome {
  ok: boolean;
  visibleError: boolean;
  silentPartial: boolean;
  attempts: number;
  latencyMs: number;
}

export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const primary = await startFakeUpstream(scenario.primary());
  const backup = scenario.backup ? await startFakeUpstream(healthy()) : undefined;
  const logger = new TimedLogger();
  const providerBase = { type: 'openai', apiKeyEnv: 'CHAOS_UPSTREAM_KEY', ...FAST };
  const config = validateGatewayConfig({
    // a hanging call is read this long after another target answered, then cut off
    gateway: { abandonedCallMs: 1_000 },
    providers: [
      { id: 'primary', baseUrl: `${primary.url}/v1`, ...providerBase, ...scenario.primarySettings },
      ...(backup ? [{ id: 'backup', baseUrl: `${backup.url}/v1`, ...providerBase }] : []),
    ],
    models: [
      {
        name: 'chaos',
        hedge: scenario.hedge,
        targets: [{ provider: 'primary', model: 'fake-a' }, ...(backup ? [{ provider: 'backup', model: 'fake-b' }] : [])],
      },
    ],
    tenants: [{ id: 'chaos', apiKeys: [TENANT_KEY] }],
    pricing: { 'fake-a': { inputPerMTok: 1, outputPerMTok: 2 }, 'fake-b': { inputPerMTok: 1, outputPerMTok: 2 } },
  });
  const gateway = await startLocalGateway({ config, port: 0, env: { CHAOS_UPSTREAM_KEY: UPSTREAM_KEY }, logger, metrics: silentMetrics, healthCheckIntervalMs: 0 });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: TENANT_KEY, maxRetries: 0, timeout: 30_000 });
  const started = Date.now();
  try {
    const outcomes: RequestOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < scenario.requests) {
        next++;
        outcomes.push(await (scenario.stream ? streamOnce(client) : chatOnce(client)));
      }
    };
    await Promise.all(Array.from({ length: scenario.concurrency }, worker));
    const durationMs = Date.now() - started;
    const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
    const opened = logger.lines.find((l) => l.message === 'breaker opened' && l.attributes?.provider === 'primary');
    // the first 429 reached the gateway when it was answered; calls already in flight then are not "again"
    const throttledAt = primary.received.find((r) => r.answeredAt !== undefined)?.answeredAt;
    return {
      scenario,
      served: outcomes.filter((o) => o.ok).length,
      visibleErrors: outcomes.filter((o) => o.visibleError).length,
      silentPartial: outcomes.filter((o) => o.silentPartial).length,
      attemptsPerRequest: outcomes.reduce((s, o) => s + o.attempts, 0) / outcomes.length,
      primaryCalls: primary.received.length,
      callsAfterOpen: opened ? primary.received.filter((r) => r.at > opened.at).length : undefined,
      callsInThrottleWindow:
        scenario === SCENARIOS.throttled && throttledAt !== undefined ? primary.received.filter((r) => r.at > throttledAt && r.at < throttledAt + 5_000).length : undefined,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      durationMs,
      logs: logger.lines,
    };
  } finally {
    await gateway.close();
    await primary.close();
    await backup?.close();
  }
}

async function chatOnce(client: OpenAI): Promise<RequestOutcome> {
  const t0 = Date.now();
  try {
    const { data, response } = await client.chat.completions.create({ model: 'chaos', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    const whole = data.choices[0]?.message.content === ANSWER;
    return { ok: whole, visibleError: false, silentPartial: !whole, attempts: Number(response.headers.get('x-gateway-attempts')), latencyMs: Date.now() - t0 };
  } catch (err) {
    return { ok: false, visibleError: true, silentPartial: false, attempts: attemptsOf(err), latencyMs: Date.now() - t0 };
  }
}

async function streamOnce(client: OpenAI): Promise<RequestOutcome> {
  const t0 = Date.now();
  let attempts = 0;
  let text = '';
  try {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'chaos', messages: [{ role: 'user', content: 'hello' }], stream: true })
      .withResponse();
    attempts = Number(response.headers.get('x-gateway-attempts'));
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  } catch (err) {
    return { ok: false, visibleError: true, silentPartial: false, attempts: attempts || attemptsOf(err), latencyMs: Date.now() - t0 };
  }
  // the SDK ended the iteration without an error: the answer must be whole
  const whole = text === ANSWER;
  return { ok: whole, visibleError: false, silentPartial: !whole, attempts, latencyMs: Date.now() - t0 };
}

function attemptsOf(err: unknown): number {
  const attempts = (err as { error?: { attempts?: Array<{ status: number | null }> } }).error?.attempts;
  return attempts?.filter((a) => a.status !== null).length ?? 0;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** the results as the markdown table the README shows */
export function chaosTable(results: ScenarioResult[]): string {
  const rows = results.map((r) =>
    [
      r.scenario.name,
      r.scenario.fault,
      `${r.scenario.requests}${r.scenario.stream ? ' streams' : ''} @ ${r.scenario.concurrency}`,
      `${r.served}`,
      `${r.visibleErrors}`,
      `${r.silentPartial}`,
      r.attemptsPerRequest.toFixed(2),
      `${r.primaryCalls}`,
      r.callsAfterOpen === undefined ? '–' : `${r.callsAfterOpen}`,
      `${r.p50}`,
      `${r.p99}`,
    ].join(' | '),
  );
  return [
    '| scenario | fault | requests @ concurrency | served whole | errors the client saw | silent partial answers | attempts / request | calls to the failing provider | of them after its breaker opened | p50 ms | p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}
