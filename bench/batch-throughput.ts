// `npx tsx bench/batch-throughput.ts [lines] [workers]`: lines per minute the local batch workers drain through
// the whole gateway path (admission, routing, the fake upstream, ledger), on embedded dynalite and S3.
import OpenAI, { toFile } from 'openai';
import { validateGatewayConfig } from '../lambdas/core/config/load';
import { startLocalGateway } from '../lambdas/local/server';
import { startFakeUpstream, sendJson } from '../test/fakes/upstream';

const lines = Number(process.argv[2] ?? 500);
const workers = Number(process.argv[3] ?? 4);
const upstream = await startFakeUpstream((req, res) => {
  const body = req.body as { model: string };
  sendJson(res, 200, { id: 'c', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } });
});
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const gateway = await startLocalGateway({
  config: validateGatewayConfig({
    providers: [{ id: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' }],
    models: [{ name: 'chat', targets: [{ provider: 'up', model: 'gpt-test' }] }],
    tenants: [{ id: 'bench', apiKeys: ['sk-bench'] }],
    pricing: { 'gpt-test': { inputPerMTok: 1, outputPerMTok: 2 } },
    batches: { enabled: true, workers },
  }, 'bench'),
  port: 0,
  env: { UP_KEY: 'k' },
  logger: silent,
  metrics: { add() {}, flush() {} },
  healthCheckIntervalMs: 0,
  sweepIntervalMs: 0,
});
const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-bench' });
const text = Array.from({ length: lines }, (_, i) => JSON.stringify({ custom_id: `c${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'chat', max_tokens: 8, messages: [{ role: 'user', content: `hi ${i}` }] } })).join('\n');
const file = await client.files.create({ file: await toFile(Buffer.from(text), 'in.jsonl'), purpose: 'batch' });
const started = Date.now();
const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
let b = batch;
while (!['completed', 'failed', 'cancelled', 'expired'].includes(b.status)) {
  await new Promise((r) => setTimeout(r, 100));
  b = await client.batches.retrieve(batch.id);
}
const seconds = (Date.now() - started) / 1000;
console.log(JSON.stringify({ lines, workers, status: b.status, counts: b.request_counts, seconds, linesPerMinute: Math.round((lines / seconds) * 60) }));
await gateway.close();
await upstream.close();
