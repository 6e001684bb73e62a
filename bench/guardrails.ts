// What guardrails cost: (1) each input check's time per request, in this process, on a 4 KB and a 100 KB chat
// request (the policy's input checks as the pipeline runs them: find the texts, check, mask in place), next to
// no policy at all; (2) the stream hold-back's cost on time to first byte, through the local gateway (the
// `npm start` server in this process) over a fake upstream that streams small chunks: the same streamed
// answer with no output policy and under output policies of two hold-back sizes (the default 64 and 256), alternating, in one run.
// `npx tsx bench/guardrails.ts` runs both alone.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateGatewayConfig } from '../lambdas/core/config/load';
import type { GatewayConfig } from '../lambdas/core/config/schema';
import { policiesFor, RequestGuard } from '../lambdas/core/guardrails/guard';
import type { Logger, Metrics } from '../lambdas/core/ports';
import { startLocalGateway } from '../lambdas/local/server';
import { median } from './stats';

export interface CheckCostRow {
  check: string;
  bytes: number;
  /** median over rounds of the mean µs per request */
  us: number;
  minUs: number;
  maxUs: number;
}

export interface HoldBackRow {
  name: string;
  holdBackChars?: number;
  requests: number;
  ttfbMs: number;
  p90TtfbMs: number;
  totalMs: number;
  /** median TTFB ÷ the no-policy median TTFB, from the same run */
  ttfbRatio: number;
}

export interface GuardrailBench {
  checks: CheckCostRow[];
  holdBack: HoldBackRow[];
  stream: { chunks: number; chunkChars: number; intervalMs: number };
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const silentMetrics: Metrics = { add() {}, flush() {} };

const PROSE =
  'Please summarise the quarterly report for the board. Revenue grew in every region, costs held flat, and the ' +
  'new gateway cut our model spend by a fifth. Send questions to the finance team before Friday. ';
const PII = ' Contact jane.doe@example.com or +1 415 555 0132; card 4111 1111 1111 1111; from 10.1.2.3.';

function request(bytes: number): { chat: { model: string; messages: Array<{ role: string; content: string }> } } {
  const turn = (PROSE.repeat(Math.ceil(bytes / 4 / PROSE.length)) + PII).slice(-Math.floor(bytes / 4));
  return {
    chat: {
      model: 'gpt',
      messages: [
        { role: 'system', content: turn },
        { role: 'user', content: turn },
        { role: 'assistant', content: turn },
        { role: 'user', content: turn },
      ],
    },
  };
}

const CHECKS: Array<[string, Record<string, unknown>]> = [
  ['email', { checks: ['email'] }],
  ['phone', { checks: ['phone'] }],
  ['payment_card', { checks: ['payment_card'] }],
  ['iban', { checks: ['iban'] }],
  ['us_ssn', { checks: ['us_ssn'] }],
  ['ip_address', { checks: ['ip_address'] }],
  ['aws_access_key', { checks: ['aws_access_key'] }],
  ['private_key', { checks: ['private_key'] }],
  ['api_key', { checks: ['api_key'] }],
  ['control_tokens', { checks: ['control_tokens'] }],
  ['prompt_injection', { checks: ['prompt_injection'] }],
  ['deny (3 patterns)', { deny: ['project\\s+falcon', 'confidential\\b', '\\binternal only\\b'] }],
  ['maxPromptChars', { maxPromptChars: 10_000_000 }],
  ['all 9 PII checks', { checks: ['email', 'phone', 'payment_card', 'iban', 'us_ssn', 'ip_address', 'aws_access_key', 'private_key', 'api_key'] }],
];

function guardConfig(policy?: Record<string, unknown>): GatewayConfig {
  return validateGatewayConfig({
    providers: [{ id: 'mock', type: 'mock' }],
    models: [{ name: 'gpt', targets: [{ provider: 'mock', model: 'echo' }] }],
    // monitor: the same finders over the same text every time (mask would find nothing in a masked copy)
    guardrails: policy ? { p: { mode: 'monitor', apply: 'input', ...policy } } : {},
  });
}

/**
 * µs per request of each input check, and of none: the policy's checks as the pipeline runs them (find the
 * texts, run the finders) in monitor mode; masking adds the replacement of what was found (a few matches here)
 */
export async function measureCheckCosts(rounds: number): Promise<CheckCostRow[]> {
  const cases = [[4_096, 2_000], [102_400, 200]] as const;
  const variants = [['none (no policy)', undefined] as const, ...CHECKS];
  const timed = async (config: GatewayConfig, tenant: { guardrails: string[] }, req: ReturnType<typeof request>, iterations: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const policies = policiesFor(config, tenant, req.chat.model);
      if (policies.length) await new RequestGuard(policies, { logger: silentLogger, metrics: silentMetrics, requestId: 'bench' }).input(req);
    }
    return Number(process.hrtime.bigint() - start) / 1000 / iterations;
  };
  const setups = cases.flatMap(([bytes, iterations]) => variants.map(([check, policy]) => ({ bytes, iterations, check, config: guardConfig(policy), tenant: { guardrails: policy ? ['p'] : [] }, req: request(bytes) })));
  // one untimed pass over everything first: every finder compiled and warm before any is timed
  for (const s of setups) await timed(s.config, s.tenant, s.req, Math.ceil(s.iterations / 2));
  const perRound = setups.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) for (const [i, s] of setups.entries()) perRound[i]!.push(await timed(s.config, s.tenant, s.req, s.iterations));
  return setups.map((s, i) => ({ check: s.check, bytes: Buffer.byteLength(JSON.stringify(s.req.chat)), us: median(perRound[i]!), minUs: Math.min(...perRound[i]!), maxUs: Math.max(...perRound[i]!) }));
}

/** the fake upstream: an OpenAI chat stream of `chunks` chunks of `chunkChars` characters, `intervalMs` apart */
async function streamingUpstream(stream: GuardrailBench['stream']): Promise<{ url: string; close(): Promise<void> }> {
  const word = 'lorem ipsum dolor sit amet consectetur '.repeat(8).slice(0, stream.chunkChars);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'm' };
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`);
      for (let i = 0; i < stream.chunks; i++) {
        res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] })}\n\n`);
        await new Promise((r) => setTimeout(r, stream.intervalMs));
      }
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: stream.chunks, total_tokens: 10 + stream.chunks } })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** TTFB (to the first content byte) and total time of streamed answers, with and without output policies */
export async function measureHoldBack(requests: number, stream: GuardrailBench['stream'] = { chunks: 40, chunkChars: 12, intervalMs: 2 }): Promise<HoldBackRow[]> {
  const upstream = await streamingUpstream(stream);
  const variants = [
    { name: 'no output policy', key: 'sk-bench-plain-000001' },
    { name: 'output mask, hold-back 64 (default)', key: 'sk-bench-held64-00001', holdBackChars: 64 },
    { name: 'output mask, hold-back 256', key: 'sk-bench-held256-0001', holdBackChars: 256 },
  ];
  const gw = await startLocalGateway({
    config: validateGatewayConfig({
      providers: [{ id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'BENCH_UP_KEY' }],
      models: [{ name: 'gpt', targets: [{ provider: 'up', model: 'm' }] }],
      guardrails: {
        held64: { mode: 'mask', apply: 'output', checks: ['email', 'api_key', 'payment_card'] },
        held256: { mode: 'mask', apply: 'output', checks: ['email', 'api_key', 'payment_card'], streamHoldBackChars: 256 },
      },
      tenants: [
        { id: 'plain', apiKeys: [variants[0]!.key] },
        { id: 'held64', apiKeys: [variants[1]!.key], guardrails: ['held64'] },
        { id: 'held256', apiKeys: [variants[2]!.key], guardrails: ['held256'] },
      ],
      pricing: { m: { inputPerMTok: 1, outputPerMTok: 1 } },
    }),
    port: 0,
    env: { BENCH_UP_KEY: 'sk-bench-upstream-0001' },
    logger: silentLogger,
    metrics: silentMetrics,
    healthCheckIntervalMs: 0,
    sweepIntervalMs: 0,
  });
  const samples = variants.map(() => ({ ttfb: [] as number[], total: [] as number[] }));
  const body = JSON.stringify({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'Tell me a story.' }] });
  const one = async (key: string) => {
    const start = performance.now();
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    let ttfb: number | undefined;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (ttfb === undefined && /"content":"[^"]/.test(decoder.decode(chunk))) ttfb = performance.now() - start;
    }
    return { ttfb: ttfb ?? NaN, total: performance.now() - start };
  };
  try {
    for (let i = 0; i < 20; i++) for (const v of variants) await one(v.key); // warm-up
    for (let i = 0; i < requests; i++) {
      // alternating, in a rotating order: every variant sees the same conditions
      for (let j = 0; j < variants.length; j++) {
        const k = (i + j) % variants.length;
        const s = await one(variants[k]!.key);
        samples[k]!.ttfb.push(s.ttfb);
        samples[k]!.total.push(s.total);
      }
    }
  } finally {
    await gw.close();
    await upstream.close();
  }
  const plain = median(samples[0]!.ttfb);
  return variants.map((v, i) => {
    const sorted = [...samples[i]!.ttfb].sort((a, b) => a - b);
    const ttfb = median(samples[i]!.ttfb);
    return { name: v.name, holdBackChars: v.holdBackChars, requests, ttfbMs: ttfb, p90TtfbMs: sorted[Math.floor(sorted.length * 0.9)]!, totalMs: median(samples[i]!.total), ttfbRatio: ttfb / plain };
  });
}

export function formatGuardrailBench(r: GuardrailBench, rounds: number): string {
  const out = [`Guardrail input checks, µs per request (median of ${rounds} rounds; finders in monitor mode, in this process)`, `  ${'check'.padEnd(22)}${'4 KB'.padStart(10)}${'100 KB'.padStart(10)}`];
  const names = [...new Set(r.checks.map((c) => c.check))];
  const sizes = [...new Set(r.checks.map((c) => c.bytes))].sort((a, b) => a - b);
  for (const n of names) out.push(`  ${n.padEnd(22)}${sizes.map((s) => (r.checks.find((c) => c.check === n && c.bytes === s)?.us.toFixed(1) ?? '—').padStart(10)).join('')}`);
  out.push(
    '',
    `Stream hold-back: time to the first content byte through the local gateway (${r.stream.chunks} chunks of ${r.stream.chunkChars} chars, ${r.stream.intervalMs} ms apart; alternating; ms)`,
    `  ${'variant'.padEnd(38)}${'TTFB p50'.padStart(10)}${'p90'.padStart(8)}${'ratio'.padStart(8)}${'total p50'.padStart(11)}`,
  );
  for (const h of r.holdBack) out.push(`  ${h.name.padEnd(38)}${h.ttfbMs.toFixed(2).padStart(10)}${h.p90TtfbMs.toFixed(2).padStart(8)}${`${h.ttfbRatio.toFixed(2)}×`.padStart(8)}${h.totalMs.toFixed(2).padStart(11)}`);
  return out.join('\n');
}

export async function measureGuardrails(rounds: number, streamRequests = 100): Promise<GuardrailBench> {
  const stream = { chunks: 40, chunkChars: 12, intervalMs: 2 };
  return { checks: await measureCheckCosts(rounds), holdBack: await measureHoldBack(streamRequests, stream), stream };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.env.BENCH_GUARDRAIL_ROUNDS ?? 5);
  const result = await measureGuardrails(rounds, Number(process.env.BENCH_GUARDRAIL_STREAMS ?? 100));
  console.log(formatGuardrailBench(result, rounds));
}
