// The input-token estimate's own cost on the hot path (core/tokens runs on every chat request before
// admission): µs per request at 4 KB, 100 KB and 1 MB bodies, text only and with images, for a route of three
// targets of three families. In the bench process, before any server starts; `npx tsx bench/token-estimate.ts`
// runs it alone.
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { chatRequest, type ChatRequest } from '../lambdas/core/openai/chat-request';
import { estimateForTargets, type TokenTarget } from '../lambdas/core/tokens';
import { median } from './stats';

export interface TokenEstimateRow {
  name: string;
  /** the request body's JSON size */
  bytes: number;
  images: number;
  /** median over rounds of the mean µs per estimate */
  us: number;
  minUs: number;
  maxUs: number;
  /** the estimate itself (input tokens reserved) */
  tokens: number;
}

export const ESTIMATE_TARGETS: readonly TokenTarget[] = [
  { family: 'openai', model: 'gpt-4o' },
  { family: 'anthropic', model: 'claude-sonnet-4-5' },
  { family: 'gemini', model: 'gemini-2.5-flash' },
];

const PROSE =
  'The gateway keeps a ledger of every call, so the operator can tell who spent what and when. ' +
  'function settle(entry) { return ledger.put({ ...entry, at: Date.now() }); } ' +
  '网关为每一次调用记账，这样运营方就能知道谁在什么时候花了多少钱。 {"tenant":"acme","tokens":{"input":1200}} ';

/** English and code only: no normalization to do */
const ASCII_PROSE = PROSE.replace(/[^\x00-\x7f]+/g, 'The ledger settles every call once. ');

function text(bytes: number, prose = PROSE): string {
  const unit = Buffer.byteLength(prose);
  return prose.repeat(Math.max(1, Math.floor(bytes / unit)));
}

/** a PNG signature and header for 1920 × 1080, then `bytes` of random IDAT: the size is read, the rest only scanned */
function pngDataUrl(bytes: number): string {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1920, 0);
  ihdr.writeUInt32BE(1080, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', randomBytes(bytes)), chunk('IEND', Buffer.alloc(0))]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** a system prompt, a few turns, and the bulk in the last user message; with images, half the body is image data */
function workload(bodyBytes: number, images: number, prose = PROSE): ChatRequest {
  const imageBytes = images ? Math.floor((bodyBytes / 2 / images) * 0.75) : 0;
  const textBytes = images ? bodyBytes / 2 : bodyBytes;
  const last = [{ type: 'text', text: text(textBytes - 400, prose) }, ...Array.from({ length: images }, () => ({ type: 'image_url', image_url: { url: pngDataUrl(imageBytes) } }))];
  return chatRequest.parse({
    model: 'fast',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello!' },
      { role: 'assistant', content: 'Hi, how can I help?' },
      { role: 'user', content: last },
    ],
  });
}

/** each size runs text only, then with images; 1 MB also as ASCII only, where the text bound skips normalizing */
const SIZES = [
  { label: '4 KB', bytes: 4 * 1024, iterations: 4000, images: 1 },
  { label: '100 KB', bytes: 100 * 1024, iterations: 400, images: 2 },
  { label: '1 MB', bytes: 1024 * 1024, iterations: 40, images: 4 },
];

export function measureTokenEstimate(rounds: number): TokenEstimateRow[] {
  const rows: TokenEstimateRow[] = [];
  const cases = SIZES.flatMap((size) => [
    { size, images: 0, ascii: false },
    { size, images: size.images, ascii: false },
  ]);
  cases.push({ size: SIZES[2]!, images: 0, ascii: true });
  for (const { size, images, ascii } of cases) {
    const req = workload(size.bytes, images, ascii ? ASCII_PROSE : PROSE);
    const tokens = estimateForTargets(req, ESTIMATE_TARGETS);
    for (let i = 0; i < size.iterations / 4; i++) estimateForTargets(req, ESTIMATE_TARGETS); // warm-up
    const perRound: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < size.iterations; i++) estimateForTargets(req, ESTIMATE_TARGETS);
      perRound.push(Number(process.hrtime.bigint() - start) / 1000 / size.iterations);
    }
    rows.push({
      name: `${size.label} ${ascii ? 'ASCII ' : ''}${images ? `text + ${images} image${images > 1 ? 's' : ''}` : 'text'}`,
      bytes: Buffer.byteLength(JSON.stringify(req)),
      images,
      us: median(perRound),
      minUs: Math.min(...perRound),
      maxUs: Math.max(...perRound),
      tokens,
    });
  }
  return rows;
}

export function formatTokenEstimate(rows: readonly TokenEstimateRow[], rounds: number): string {
  const kib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
  const lines = [
    `Input-token estimate (core/tokens estimateForTargets; ${ESTIMATE_TARGETS.map((t) => `${t.family} ${t.model}`).join(', ')}): µs per request, median of ${rounds} rounds`,
    `  ${'request'.padEnd(26)}${'body'.padStart(11)}${'µs'.padStart(10)}${'min…max'.padStart(18)}${'tokens'.padStart(10)}`,
  ];
  for (const r of rows) {
    lines.push(`  ${r.name.padEnd(26)}${kib(r.bytes).padStart(11)}${r.us.toFixed(1).padStart(10)}${`${r.minUs.toFixed(1)}…${r.maxUs.toFixed(1)}`.padStart(18)}${String(r.tokens).padStart(10)}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const rounds = 5;
  console.log(formatTokenEstimate(measureTokenEstimate(rounds), rounds));
}
