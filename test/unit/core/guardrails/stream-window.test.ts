// The output window on a stream's pieces: text is held back by the hold-back size, a match split across
// pieces is masked before any of it is sent, a match still growing at the end of what arrived (a PEM key) is
// held whole, a block-mode match stops the stream while it is still held, and non-text frames pass untouched.
import { describe, expect, it } from 'vitest';
import { RequestGuard, type CompiledPolicy } from '../../../../lambdas/core/guardrails/guard';
import { guardStream } from '../../../../lambdas/core/guardrails/stream-window';
import type { DoorPiece } from '../../../../lambdas/core/pipeline/serve';
import type { Metrics } from '../../../../lambdas/core/ports';
import { MemoryLogger } from '../../../helpers/logs';

const metrics: Metrics = { add: () => {}, flush: () => {} };

function policy(over: Partial<CompiledPolicy> = {}): CompiledPolicy {
  return { name: 'p', mode: 'mask', pii: ['email', 'api_key', 'private_key'], controlTokens: false, injection: false, injectionThreshold: 1, deny: [], allow: [], input: false, output: true, holdBackChars: 24, ...over };
}

const chunk = (content: string): DoorPiece => ({ frame: `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`, text: content, content: true });
const finish: DoorPiece = { frame: `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`, content: true };

async function* source(pieces: DoorPiece[], sent?: string[]): AsyncGenerator<DoorPiece> {
  for (const p of pieces) {
    sent?.push(`<${p.text ?? ''}>`);
    yield p;
  }
}

async function run(policies: CompiledPolicy[], words: string[]): Promise<{ out: string[]; guard: RequestGuard; error?: Error }> {
  const guard = new RequestGuard(policies, { logger: new MemoryLogger(), metrics, requestId: 'r' });
  const out: string[] = [];
  try {
    for await (const piece of guardStream(source([...words.map(chunk), finish]), guard, policies)) {
      const json = piece.frame ? (JSON.parse(piece.frame.slice(6)) as { choices: Array<{ delta: { content?: string } }> }) : undefined;
      out.push(json?.choices[0]?.delta.content ?? '');
    }
  } catch (err) {
    return { out, guard, error: err as Error };
  }
  return { out, guard };
}

describe('stream window', () => {
  it('masks a secret split across pieces; the text joined is the answer with placeholders', async () => {
    const words = ['Mail me at ', 'jane.', 'doe@exa', 'mple.com', ' or use sk-proj-', 'abcdefghij', 'klmnopqrstuv', ' thanks, and again jane.doe@example.com.'];
    const { out, guard } = await run([policy()], words);
    expect(out.join('')).toBe('Mail me at [EMAIL_1] or use [API_KEY_1] thanks, and again [EMAIL_1].');
    for (const o of out) expect(o).not.toMatch(/jane|abcdef/);
    expect(guard.items()).toEqual(['p:output-masked=email,api_key']);
  });

  it('holds text back: nothing of the last hold-back characters leaves before more arrives', async () => {
    const sent: string[] = [];
    const guard = new RequestGuard([policy()], { logger: new MemoryLogger(), metrics, requestId: 'r' });
    const it = guardStream(source([chunk('a'.repeat(30)), chunk('b'.repeat(30)), finish], sent), guard, [policy()])[Symbol.asyncIterator]();
    const first = await it.next();
    // the first piece leaves only once the second arrived, carrying what is older than the hold-back
    expect(sent).toEqual(['<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa>', '<bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb>']);
    expect(JSON.stringify(first.value)).toContain('a'.repeat(30) + 'b'.repeat(6));
    expect(JSON.stringify(first.value)).not.toContain('b'.repeat(7));
  });

  it('holds a PEM key that is still arriving whole, past the hold-back, and masks it', async () => {
    const words = ['here: -----BEGIN PRIVATE KEY-----\n', 'MIIE'.repeat(20), '\nabc'.repeat(10), '\n-----END PRIVATE KEY----- done'];
    const { out } = await run([policy()], words);
    expect(out.join('')).toBe('here: [PRIVATE_KEY_1] done');
    for (const o of out) expect(o).not.toContain('MIIE');
  });

  it('block: the stream fails while the match is held; nothing of it was sent', async () => {
    const { out, error } = await run([policy({ mode: 'block', name: 'b' })], ['fine text here ', 'key sk-proj-abc', 'defghijklmnopqrstu more']);
    expect(error?.message).toContain("'b'");
    expect(out.join('')).not.toContain('sk-');
  });

  it('monitor: sends everything as it came, flags', async () => {
    const { out, guard } = await run([policy({ mode: 'monitor', name: 'm' })], ['a@b.co ', 'hi']);
    expect(out.join('')).toBe('a@b.co hi');
    expect(guard.items()).toEqual(['m:output-flagged=email']);
  });

  it('deny patterns mask as [DENIED_n] in streams too', async () => {
    const { out } = await run([policy({ pii: [], deny: [/project\s+falcon/gi] })], ['about Proj', 'ect  Falcon now']);
    expect(out.join('')).toBe('about [DENIED_1] now');
  });
});
