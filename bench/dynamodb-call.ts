// What one DynamoDB call costs the gateway's process in CPU: the ledger's settlement UpdateItem and a
// BatchWriteItem of entries through the AWS SDK client the adapters use (lambdas/adapters/dynamodb/client.ts),
// and, as a floor, the same UpdateItem as a hand-signed SigV4 POST over a keep-alive node:http agent. The store
// is a canned server in a process of its own that answers every call at once, so only the client side counts.
// `npx tsx bench/dynamodb-call.ts [--calls=3000] [--batch=12]`; a benchmark, not a test: it prints µs per call.
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { BatchWriteItemCommand, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../lambdas/adapters/dynamodb/client';
import { toItem } from '../lambdas/adapters/dynamodb/marshal';

const { values } = parseArgs({ options: { calls: { type: 'string' }, batch: { type: 'string' } } });
const CALLS = Number(values.calls ?? 3000);
const BATCH = Number(values.batch ?? 12);
const TABLE = 'switchboard-cost-ledger';

/** a store that answers every call with a settlement's UPDATED_NEW attributes (what BatchWriteItem ignores) */
const CANNED = `
const http = require('node:http');
const body = JSON.stringify({ Attributes: { committedNanoUsd: { N: '123' }, costNanoUsd: { N: '5' } } });
http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r', 'content-length': Buffer.byteLength(body) }); res.end(body); }); })
  .listen(0, '127.0.0.1', function () { console.log(this.address().port); });
process.stdin.on('end', () => process.exit(0)).resume();
`;

/** a settlement of one model's calls, as DynamoCostLedger.flush writes it */
const settlement: UpdateItemCommandInput = {
  TableName: TABLE,
  Key: { pk: { S: 'T#bench' }, sk: { S: 'D#2026-12-02' } },
  ReturnValues: 'UPDATED_NEW',
  UpdateExpression: `ADD ${Array.from({ length: 14 }, (_, i) => `#a${i} :a${i}`).join(', ')} SET expiresAt = :exp, #L.u = :u, #L.s = :s`,
  ConditionExpression: '#L.s = :prev',
  ExpressionAttributeNames: Object.fromEntries([['#L', 'L|lease'], ...Array.from({ length: 14 }, (_, i) => [`#a${i}`, `M|upstream/gpt-4o-mini|t${i}`])]),
  ExpressionAttributeValues: Object.fromEntries([
    [':exp', { N: '1799999999' }],
    [':u', { N: '12345' }],
    [':s', { N: '7' }],
    [':prev', { N: '6' }],
    ...Array.from({ length: 14 }, (_, i) => [`:a${i}`, { N: String(1000 + i) }]),
  ]),
};
const entry = toItem({
  pk: 'T#bench#D#2026-12-02',
  sk: 'R#2026-12-02T08:00:00.000Z#req_0123456789abcdef0123456789abcdef',
  requestId: 'req_0123456789abcdef0123456789abcdef',
  tenantId: 'bench',
  at: 1_780_000_000_000,
  route: 'chat',
  alias: 'gpt-4o-mini',
  provider: 'upstream',
  model: 'gpt-4o-mini',
  costNanoUsd: 12_345,
  operatorCostNanoUsd: 0,
  calls: [{ provider: 'upstream', model: 'gpt-4o-mini', status: 200, inputTokens: 30, outputTokens: 80, costNanoUsd: 12_345, bearer: 'tenant' }],
  latencyMs: 3,
  status: 200,
  attempts: 1,
  stream: false,
  region: 'local',
  inputTokens: 30,
  outputTokens: 80,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  expiresAt: 1_790_000_000,
});

/** the same call without the SDK: SigV4 by hand (the signing key kept per day), JSON in and out */
function rawSender(port: number): () => Promise<unknown> {
  const agent = new http.Agent({ keepAlive: true });
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
  let keyDay = '';
  let signingKey = Buffer.alloc(0);
  const host = `127.0.0.1:${port}`;
  return () => {
    const body = JSON.stringify(settlement);
    const now = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
    const day = now.slice(0, 8);
    if (day !== keyDay) [keyDay, signingKey] = [day, hmac(hmac(hmac(hmac('AWS4local', day), 'us-east-1'), 'dynamodb'), 'aws4_request')];
    const target = 'DynamoDB_20120810.UpdateItem';
    const signed = 'content-type;host;x-amz-date;x-amz-target';
    const canonical = `POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:${host}\nx-amz-date:${now}\nx-amz-target:${target}\n\n${signed}\n${sha256(body)}`;
    const scope = `${day}/us-east-1/dynamodb/aws4_request`;
    const signature = createHmac('sha256', signingKey).update(`AWS4-HMAC-SHA256\n${now}\n${scope}\n${sha256(canonical)}`).digest('hex');
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-date': now,
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=local/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
      'content-length': String(Buffer.byteLength(body)),
    };
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

async function cpuPerCall(call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(500, CALLS); i++) await call();
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await call();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

const store = spawn(process.execPath, ['-e', CANNED], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = Number(await new Promise<string>((resolve) => store.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
const client = createDynamoClient({ endpoint: `http://127.0.0.1:${port}`, region: 'local' });
const raw = rawSender(port);
const rows: Array<[string, () => Promise<unknown>]> = [
  ['SDK UpdateItem (a settlement)', () => client.send(new UpdateItemCommand(settlement))],
  [`SDK BatchWriteItem (${BATCH} entries)`, () => client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: Array.from({ length: BATCH }, () => ({ PutRequest: { Item: entry } })) } }))],
  ['hand-signed UpdateItem, no SDK', raw],
];
console.log(`CPU µs per call, ${CALLS} calls each, two passes (node ${process.version})`);
for (let pass = 1; pass <= 2; pass++) {
  for (const [name, call] of rows) console.log(`  pass ${pass}  ${name.padEnd(36)} ${(await cpuPerCall(call)).toFixed(0).padStart(6)}`);
}
client.destroy();
store.stdin!.end();
