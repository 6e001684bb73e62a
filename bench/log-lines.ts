// What one request writes to the gateway function's log: the lines `npx tsx bench/log-lines.ts` prints
// are those the local gateway (the Lambda handler, Powertools logger and EMF metrics on) writes for one
// non-streamed and one streamed chat completion, with their sizes; Lambda's own lines per invocation are
// added from their documented shape. CloudWatch Logs bills these bytes (ingestion) per request.
import '../lambdas/local/node-version-warning';
import { validateGatewayConfig } from '../lambdas/core/config/load';
import { startLocalGateway } from '../lambdas/local/server';

process.env.POWERTOOLS_METRICS_DISABLED = 'false'; // EMF on, as in Lambda
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'Switchboard';

const KEY = 'sk-bench-log-lines-0001';
const config = validateGatewayConfig(
  {
    providers: [{ id: 'mock', type: 'mock' }],
    models: [{ name: 'fast', targets: [{ provider: 'mock', model: 'echo' }] }],
    tenants: [{ id: 'acme', apiKeys: [KEY], limits: { requestsPerMinute: 600 }, budget: { dailyUsd: 5 } }],
    pricing: { echo: { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
  },
  'bench/log-lines.ts',
);

// what Lambda writes per invocation with LoggingFormat.JSON and active tracing (the function's settings),
// shaped as the telemetry schema documents platform.start and platform.report; the values are examples
const requestId = '6ebf6f5d-bd9d-4629-885d-32f94d2fa2a0';
const PLATFORM_LINES = [
  { time: '2026-01-01T00:00:00.000Z', type: 'platform.start', record: { requestId, version: '$LATEST' } },
  {
    time: '2026-01-01T00:00:02.013Z',
    type: 'platform.report',
    record: {
      requestId,
      metrics: { durationMs: 2012.345, billedDurationMs: 2013, memorySizeMB: 256, maxMemoryUsedMB: 98 },
      tracing: { spanId: '7d1c9a4e2b3f5a6c', type: 'X-Amzn-Trace-Id', value: 'Root=1-674d6a2e-0f1e2d3c4b5a69788796a5b4;Parent=53995c3f42cd8ad8;Sampled=1' },
      status: 'success',
    },
  },
].map((l) => JSON.stringify(l));

const captured: string[] = [];
const write = process.stdout.write.bind(process.stdout);
const gateway = await startLocalGateway({ config, port: 0, env: {}, healthCheckIntervalMs: 0, sweepIntervalMs: 0, groupCommitMs: 0 });

async function linesOf(stream: boolean): Promise<string[]> {
  const body = JSON.stringify({
    model: 'fast',
    stream,
    messages: [
      { role: 'system', content: 'You answer questions about our bookshop.' },
      { role: 'user', content: 'Do you ship paperback books to Canada?' },
    ],
  });
  captured.length = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => (captured.push(...String(chunk).split('\n').filter(Boolean)), true)) as typeof process.stdout.write;
  try {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body });
    await res.text();
    // the request line and the metrics leave after the last byte
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.stdout.write = write;
  }
  return [...captured];
}

await linesOf(false); // warm-up: the first request also reads the breaker table and takes a budget lease
for (const [name, lines] of [['non-streamed', await linesOf(false)], ['streamed', await linesOf(true)]] as const) {
  const all = [...lines.map((l) => ({ l, what: l.startsWith('{"_aws"') ? 'EMF metrics' : 'log line' })), ...PLATFORM_LINES.map((l) => ({ l, what: 'Lambda (example)' }))];
  console.log(`\n${name} chat completion: ${all.length} lines, ${all.reduce((n, x) => n + Buffer.byteLength(x.l) + 1, 0)} bytes`);
  for (const { l, what } of all) console.log(`${String(Buffer.byteLength(l) + 1).padStart(5)} B  ${what.padEnd(17)} ${l}`);
}
await gateway.close();
