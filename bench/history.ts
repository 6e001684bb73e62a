// Request history and payload logging, measured on the local server (embedded dynalite and S3, mock provider):
//   npx tsx bench/history.ts
// what a request costs with payload logging off and full (client-side latency, sequential), and what
// GET /v1/requests (a page of 100) and GET /v1/requests/{id} take once a tenant has 500 entries.
import { validateGatewayConfig } from '../lambdas/core/config/load';
import { startLocalGateway } from '../lambdas/local/server';

const OFF = 'sk-bench-off-000000001';
const FULL = 'sk-bench-full-00000001';
const silent = { add: () => {}, flush: () => {} };
const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const gw = await startLocalGateway({
  config: validateGatewayConfig(
    {
      providers: [{ id: 'mock', type: 'mock' }],
      models: [{ name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] }],
      tenants: [
        { id: 'off', apiKeys: [OFF] },
        { id: 'full', apiKeys: [FULL], payloadLogging: 'full' },
      ],
      pricing: { echo: { inputPerMTok: 1, outputPerMTok: 2 } },
    },
    'bench',
  ),
  port: 0,
  env: {},
  logger,
  metrics: silent,
  healthCheckIntervalMs: 0,
  sweepIntervalMs: 0,
});
await gw.s3Endpoint(); // started before timing

const call = (key: string, path: string, body?: unknown) =>
  fetch(`${gw.url}${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
const chat = { model: 'echo', messages: [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog. '.repeat(20) }] };

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2);
  return `p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, p99 ${p(0.99)} ms (n=${s.length})`;
}

async function timed(n: number, f: () => Promise<Response>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await f();
    await res.arrayBuffer();
    ms.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  }
  return ms;
}

// warm up both paths
await timed(50, () => call(OFF, '/v1/chat/completions', chat));
await timed(50, () => call(FULL, '/v1/chat/completions', chat));
for (let round = 0; round < 2; round++) {
  console.log(`chat, payload logging off:  ${stats(await timed(250, () => call(OFF, '/v1/chat/completions', chat)))}`);
  console.log(`chat, payload logging full: ${stats(await timed(250, () => call(FULL, '/v1/chat/completions', chat)))}`);
}
await new Promise((r) => setTimeout(r, 500));
console.log(`GET /v1/requests?limit=100 (500+ entries): ${stats(await timed(50, () => call(OFF, '/v1/requests?limit=100')))}`);
const ids = ((await (await call(OFF, '/v1/requests?limit=100')).json()) as { data: Array<{ id: string }> }).data.map((d) => d.id);
console.log(`GET /v1/requests/{id}:                     ${stats(await timed(50, () => call(OFF, `/v1/requests/${ids[Math.floor(Math.random() * ids.length)]}`)))}`);
const logged = ((await (await call(FULL, '/v1/requests?limit=100')).json()) as { data: Array<{ id: string }> }).data.map((d) => d.id);
console.log(`GET /v1/requests/{id} with its payload:    ${stats(await timed(50, () => call(FULL, `/v1/requests/${logged[Math.floor(Math.random() * logged.length)]}`)))}`);
console.log(`GET /v1/requests?model=nothing (filter reads all 500+): ${stats(await timed(20, () => call(OFF, '/v1/requests?model=nothing')))}`);
await gw.close();
