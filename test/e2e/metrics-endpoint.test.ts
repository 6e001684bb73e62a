// GET /metrics on the local server: the Prometheus text format (parsed line by line against the exposition
// format's grammar), every metric the CloudWatch dashboard reads declared, and the values the requests made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../lambdas/core/observability';
import { familyName, PrometheusRegistry } from '../../lambdas/local/prometheus';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Parsed {
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\\\\\|\\\\"|\\\\n)*)"`;
const VALUE = '(-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|\\.\\d+)|NaN|[+-]Inf)';

/** a strict parser of the text format (0.0.4): throws on any line that is not a HELP, TYPE or sample line */
function parsePrometheus(text: string): Parsed {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const sampleLine = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?\\})? ${VALUE}$`);
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line))) continue;
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|summary|histogram|untyped)$`).exec(line))) {
      expect(types.has(m[1]!), `TYPE twice for ${m[1]}`).toBe(false);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = sampleLine.exec(line);
    if (!m) throw new Error(`not a valid exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(new RegExp(LABEL, 'g'))) labels[l[1]!] = l[2]!;
    const family = [...types.keys()].find((f) => m![1] === f || m![1] === `${f}_sum` || m![1] === `${f}_count`);
    expect(family, `sample ${m[1]} before its TYPE`).toBeDefined();
    samples.push({ name: m[1]!, labels, value: Number(m[m.length - 1]!.replace('Inf', 'Infinity')) });
  }
  return { types, samples };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format with every dashboard metric declared and the requests counted', async () => {
    for (let i = 0; i < 3; i++) expect((await gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content: `hi ${i}` }] } })).status).toBe(200);
    expect((await gw.call('/v1/chat/completions', { body: { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] } })).status).toBe(404);
    // request metrics are recorded after the last byte
    await new Promise((r) => setTimeout(r, 200));

    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types, samples } = parsePrometheus(await res.text());

    for (const metric of Object.values(METRICS)) expect([...types.keys()].some((f) => f.startsWith(familyName(metric, 'gauge'))), metric).toBe(true);
    expect(types.get('switchboard_requests_total')).toBe('counter');
    expect(types.get('switchboard_latency_ms')).toBe('summary');
    expect(types.get('switchboard_breaker_state')).toBe('gauge');

    const chat = samples.find((s) => s.name === 'switchboard_requests_total' && s.labels.route === '/v1/chat/completions');
    expect(chat?.value).toBe(4);
    expect(samples.find((s) => s.name === 'switchboard_errors_total' && s.labels.code === 'model_not_found')?.value).toBe(1);
    expect(samples.find((s) => s.name === 'switchboard_upstream_calls_total' && s.labels.provider === 'mock' && s.labels.outcome === 'ok')?.value).toBe(3);
    expect(samples.find((s) => s.name === 'switchboard_time_to_first_byte_ms_count')?.value).toBe(3);
    const p50 = samples.find((s) => s.name === 'switchboard_latency_ms' && s.labels.quantile === '0.5');
    expect(p50?.value).toBeGreaterThanOrEqual(0);
  });

  it('escapes label values and renders gauges as their last value', () => {
    const registry = new PrometheusRegistry();
    registry.add(METRICS.breakerState, 2, 'None', { Provider: 'a"b\\c\nd' });
    registry.add(METRICS.breakerState, 0, 'None', { Provider: 'a"b\\c\nd' });
    registry.add(METRICS.costUsd, 0.25, 'None', { Provider: 'mock' });
    registry.add(METRICS.costUsd, 0.5, 'None', { Provider: 'mock' });
    const { samples } = parsePrometheus(registry.render());
    expect(samples.find((s) => s.name === 'switchboard_breaker_state')).toEqual({ name: 'switchboard_breaker_state', labels: { provider: 'a\\"b\\\\c\\nd' }, value: 0 });
    expect(samples.find((s) => s.name === 'switchboard_cost_usd_total')?.value).toBe(0.75);
  });
});
