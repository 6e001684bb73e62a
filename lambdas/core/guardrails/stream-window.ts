// Output guardrails on a streamed answer: a sliding window over each text channel of the door's frames. The
// last `holdBackChars` characters of text (and the frame that carries them) are held until more text shows
// they are not the start of a match; a match is masked before its frame is sent, or (block) the stream ends
// with the door's error event while the matched text is still held. A match that may still be growing (it
// reaches the end of what arrived, e.g. a PEM key) is held whole, up to MAX_PENDING_CHARS.
import type { DoorPiece } from '../pipeline/serve';
import { openFrame, type OpenFrame } from './frames';
import type { CompiledPolicy, RequestGuard } from './guard';
import type { Match } from './pii';

/** what a channel may hold back at most, open matches included: past it text is released as it stands */
export const MAX_PENDING_CHARS = 16_384;

interface Held {
  piece: DoorPiece;
  frame: OpenFrame;
}

export function guardStream(pieces: AsyncIterable<DoorPiece>, guard: RequestGuard, policies: CompiledPolicy[]): AsyncIterable<DoorPiece> {
  const holdBack = Math.max(...policies.map((p) => p.holdBackChars));
  const scanning = policies.filter((p) => p.pii.length || p.deny.length);
  const pending = new Map<string, string>();
  let full = '';

  /** a block-mode match anywhere in what is held refuses the answer now, before any of it is sent */
  const refuseBlocked = (text: string) => {
    for (const p of scanning) if (p.mode === 'block') guard.check(p, text, 'output');
  };

  /** the masked text of a channel that may be sent now (all of it when `final`) */
  const take = (channel: string, final: boolean): string => {
    const raw = pending.get(channel) ?? '';
    let cut = final ? raw.length : Math.max(0, raw.length - holdBack);
    if (!final && raw.length <= MAX_PENDING_CHARS) {
      const matches: Match[] = [];
      for (const p of scanning) matches.push(...guard.findMatches(p, raw));
      // a match reaching the end may grow; one across the cut is held whole
      for (let moved = true; moved; ) {
        moved = false;
        for (const m of matches) {
          if ((m.end === raw.length || (m.start < cut && m.end > cut)) && m.start < cut) {
            cut = m.start;
            moved = true;
          }
        }
      }
    }
    pending.set(channel, raw.slice(cut));
    let out = raw.slice(0, cut);
    for (const p of scanning) out = guard.check(p, out, 'output');
    return out;
  };

  const release = (held: Held, continuing: ReadonlySet<string>): DoorPiece => {
    const seen = new Set<string>();
    for (const d of held.frame.deltas) {
      if (seen.has(d.channel)) {
        d.set('');
        continue;
      }
      seen.add(d.channel);
      d.set(take(d.channel, !continuing.has(d.channel)));
    }
    return { ...held.piece, frame: held.frame.render() };
  };

  return {
    async *[Symbol.asyncIterator]() {
      let held: Held | undefined;
      for await (const piece of pieces) {
        if (!piece.frame) {
          yield piece;
          continue;
        }
        const frame = openFrame(piece.frame);
        const channels = new Set<string>();
        for (const d of frame.deltas) {
          channels.add(d.channel);
          full += d.text;
          const text = (pending.get(d.channel) ?? '') + d.text;
          pending.set(d.channel, text);
          refuseBlocked(text);
        }
        if (held) {
          const out = release(held, channels);
          held = undefined;
          yield out;
        }
        for (const s of frame.wholes) {
          let text = s.text;
          for (const p of scanning) text = guard.check(p, text, 'output');
          if (text !== s.text) s.set(text);
        }
        if (frame.deltas.length) held = { piece, frame };
        else yield frame.wholes.length ? { ...piece, frame: frame.render() } : piece;
      }
      // Bedrock sees the whole answer once it has ended: an intervention ends the stream with the door's error
      // event instead of its closing events (what was sent before stays sent: docs/guardrails.md)
      for (const p of policies) if (p.bedrock && full) await guard.bedrock(p, [{ role: 'assistant', text: full, set: () => {} }], 'OUTPUT', false);
      if (held) yield release(held, new Set());
    },
  };
}
