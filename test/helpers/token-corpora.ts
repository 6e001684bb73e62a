// Text corpora for measuring the input-token bound against real tokenizers: ordinary text of several scripts
// and the strings a tenant would craft to get more tokens than the estimate (rare characters, emoji sequences,
// random base64, runs of one character). Deterministic: a seeded generator, no files from outside the repo.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** mulberry32: small, seeded, good enough to shuffle sentences and pick characters */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENGLISH = [
  'The gateway keeps a ledger of every call, so the operator can tell who spent what and when.',
  'A budget that leaks under concurrency is not a budget at all; it is a suggestion that the busiest tenant ignores.',
  'When the primary provider slows down, requests fall over to the next target in the list without the client noticing.',
  'She read the report twice, underlined the paragraph about regional failover, and asked why the health check took so long.',
  "It's cheaper to reserve a little too much for a minute than to discover, at the end of the month, that the bill doubled.",
  'Rate limits are counted per tenant and per provider, in windows of a minute, an hour and a day.',
  'The committee postponed its decision until the engineers could show measurements from a machine like the one in production.',
  'Nobody expected the cold start to matter, until the first customer in Sydney complained about a two-second pause every morning.',
  'In the spring of that year the river rose higher than anyone in the village could remember, and the old bridge finally gave way.',
  'Children ran along the harbour wall while fishermen mended their nets and argued, as they always did, about the weather.',
  'Quantitative easing, unconventional monetary policy and negative interest rates were debated at length in the afternoon session.',
  'Please summarise the attached document in three bullet points, then list any open questions the authors did not answer.',
  "Don't forget: the meeting moved to Thursday at 3:30 pm, room 4B, and we'll need the slides by Wednesday evening.",
  'Photosynthesis converts light energy into chemical energy, storing it in the bonds of glucose molecules.',
];

const CHINESE = [
  '网关为每一次调用记账，这样运营方就能知道谁在什么时候花了多少钱。',
  '当主要供应商变慢时，请求会自动转到列表中的下一个目标，客户端不会察觉。',
  '春天的河水比村里任何人记忆中的都要高，那座老桥终于被冲垮了。',
  '请用三个要点总结附件中的文件，然后列出作者没有回答的问题。',
  '光合作用把光能转化为化学能，储存在葡萄糖分子的化学键中。',
  '孩子们沿着港口的堤岸奔跑，渔民们一边修补渔网一边争论天气。',
  '委员会推迟了决定，直到工程师能够拿出与生产环境相同机器上的测量结果。',
];

const JAPANESE = [
  'ゲートウェイはすべての呼び出しを台帳に記録するので、運用者は誰がいつ何を使ったかを把握できます。',
  '主要なプロバイダーが遅くなると、リクエストはクライアントに気づかれずに次のターゲットへ切り替わります。',
  'その年の春、川は村の誰も覚えていないほど高く増水し、古い橋はついに崩れ落ちた。',
  '添付の文書を三つの要点にまとめ、著者が答えていない質問を挙げてください。',
];

const KOREAN = [
  '게이트웨이는 모든 호출을 장부에 기록하므로 운영자는 누가 언제 무엇을 썼는지 알 수 있습니다.',
  '주 공급자가 느려지면 요청은 클라이언트가 알아차리지 못하게 목록의 다음 대상으로 넘어갑니다.',
  '그해 봄 강물은 마을의 누구도 기억하지 못할 만큼 높이 불어났고 오래된 다리는 결국 무너졌다.',
  '첨부된 문서를 세 가지 요점으로 요약한 다음 저자가 답하지 않은 질문을 나열해 주세요.',
];

const ARABIC = [
  'تسجل البوابة كل استدعاء في دفتر الحسابات، حتى يعرف المشغل من أنفق ماذا ومتى.',
  'عندما يتباطأ المزود الرئيسي، تنتقل الطلبات إلى الهدف التالي في القائمة دون أن يلاحظ العميل.',
  'في ربيع ذلك العام ارتفع النهر أعلى مما يتذكره أي أحد في القرية، وانهار الجسر القديم أخيرا.',
  'يرجى تلخيص المستند المرفق في ثلاث نقاط، ثم ذكر الأسئلة التي لم يجب عنها المؤلفون.',
];

/** sentences in a seeded order, joined by `sep`, up to `bytes` UTF-8 bytes */
function prose(sentences: readonly string[], bytes: number, seed: number, sep = ' '): string {
  const random = seeded(seed);
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const s = sentences[Math.floor(random() * sentences.length)]!;
    out.push(s);
    size += Buffer.byteLength(s) + sep.length;
    if (random() < 0.15) out.push('\n\n');
  }
  return out.join(sep);
}

/** `count` characters drawn from the code point ranges given, uniformly per range */
function randomChars(ranges: ReadonlyArray<readonly [number, number]>, count: number, seed: number): string {
  const random = seeded(seed);
  let s = '';
  for (let i = 0; i < count; i++) {
    const [lo, hi] = ranges[Math.floor(random() * ranges.length)]!;
    s += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)));
  }
  return s;
}

function randomBase64(bytes: number, seed: number): string {
  const random = seeded(seed);
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) buf[i] = Math.floor(random() * 256);
  return buf.toString('base64');
}

const EMOJI_SEQUENCES = [
  '😀', '🚀', '👍🏽', '👩‍💻', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇯🇵', '🇧🇷', '❤️', '🧑🏿‍🚀', '🫠', '🪿', '✅', '🔥', '🤌🏻', '🏴‍☠️',
  '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '👁️‍🗨️', '🧔‍♀️', '🐈‍⬛',
];

function emoji(count: number, seed: number): string {
  const random = seeded(seed);
  let s = '';
  for (let i = 0; i < count; i++) {
    s += EMOJI_SEQUENCES[Math.floor(random() * EMOJI_SEQUENCES.length)]!;
    if (random() < 0.2) s += ' ';
  }
  return s;
}

function repoFiles(paths: readonly string[]): string {
  return paths.map((p) => readFileSync(join(ROOT, p), 'utf8')).join('\n');
}

function json(seed: number, items: number, pretty: boolean): string {
  const random = seeded(seed);
  const rows = [];
  for (let i = 0; i < items; i++) {
    rows.push({
      id: `req_${Math.floor(random() * 1e12).toString(36)}`,
      tenant: ['acme', 'globex', 'initech', 'umbrella'][i % 4],
      model: i % 3 ? 'gpt-4o-mini' : 'claude-sonnet-4',
      tokens: { input: Math.floor(random() * 5000), output: Math.floor(random() * 900), cached: 0 },
      costUsd: Number((random() * 0.02).toFixed(6)),
      ok: random() > 0.1,
      tags: ['prod', 'eu-west-1', `shard-${i % 7}`],
      at: new Date(1_750_000_000_000 + i * 61_000).toISOString(),
    });
  }
  return JSON.stringify({ object: 'list', data: rows }, null, pretty ? 2 : undefined);
}

export interface Corpus {
  name: string;
  text: string;
}

/** every corpus the bound is checked on; about 16 KB each, so five tokenizers run in a few seconds */
export function corpora(size = 16_000): Corpus[] {
  const chars = (perChar: number) => Math.floor(size / perChar);
  return [
    { name: 'English prose', text: prose(ENGLISH, size, 1) },
    { name: 'source code (TypeScript)', text: repoFiles(['lambdas/core/admission/admit.ts', 'lambdas/core/pipeline/serve.ts']).slice(0, size) },
    { name: 'JSON (pretty)', text: json(1, 40, true).slice(0, size) },
    { name: 'JSON (compact)', text: json(2, 60, false).slice(0, size) },
    { name: 'Chinese prose', text: prose(CHINESE, size, 2, '') },
    { name: 'Japanese prose', text: prose(JAPANESE, size, 3, '') },
    { name: 'Korean prose', text: prose(KOREAN, size, 4) },
    { name: 'Arabic prose', text: prose(ARABIC, size, 5) },
    // uniformly random CJK ideographs (incl. Extension B, 4 bytes each): no merges to find
    { name: 'random CJK ideographs', text: randomChars([[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df]], chars(3.3), 6) },
    { name: 'random Hangul syllables', text: randomChars([[0xac00, 0xd7a3]], chars(3), 7) },
    { name: 'emoji and ZWJ sequences', text: emoji(chars(12), 8) },
    { name: 'random base64', text: randomBase64(Math.floor(size * 0.75), 9) },
    // rare planes, combining marks, private use, noncharacter-adjacent symbols: byte fallback territory
    {
      name: 'random rare code points',
      text: randomChars([[0x0300, 0x036f], [0x1d400, 0x1d7ff], [0xe000, 0xf8ff], [0x10000, 0x1007f], [0x1f300, 0x1faff], [0x2ff0, 0x2fff], [0x0e00, 0x0e7f], [0x1200, 0x137f]], chars(3.5), 10),
    },
    { name: 'random printable ASCII', text: randomChars([[0x21, 0x7e]], size, 11) },
    { name: 'whitespace runs', text: randomChars([[0x20, 0x20], [0x09, 0x0a], [0x0d, 0x0d], [0x3000, 0x3000], [0xa0, 0xa0]], chars(1.3), 12) },
    { name: 'punctuation runs', text: randomChars([[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e], [0x2010, 0x2027]], chars(1.4), 13) },
    // a quarter of the size: BPE on one long run is quadratic in the tokenizers measured against
    { name: 'one character repeated (a)', text: 'a'.repeat(size / 4) },
    { name: 'one character repeated (space)', text: ' '.repeat(size / 4) },
    { name: 'one character repeated (中)', text: '中'.repeat(chars(12)) },
    { name: 'digits', text: randomChars([[0x30, 0x39]], size, 14) },
    // characters NFKC expands (U+FDFA becomes 18 characters): Claude's tokenizer normalizes before it counts
    {
      name: 'NFKC-expanding compatibility characters',
      text: randomChars([[0xfdfa, 0xfdfb], [0x3300, 0x3357], [0x3380, 0x33df], [0x2474, 0x249b], [0xfb00, 0xfb06]], chars(3), 15),
    },
  ];
}
