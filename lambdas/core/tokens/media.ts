// How long an audio clip is and how many pages a document has, read from the bytes the request carries, as
// upper bounds: a header that lies can only make the bound longer, never shorter (docs/token-estimates.md).
import { inflateSync } from 'node:zlib';
import { Base64Bytes } from './image-size';

/**
 * The lowest bit rate any MPEG audio layer allows (MPEG-2.5 layer III, 8 kbit/s), and far below any PCM WAV:
 * bytes no header accounts for are taken to play at this rate.
 */
export const MIN_AUDIO_BYTES_PER_SECOND = 1000;
/** PCM faster than 48 kHz, 16-bit stereo is taken at this rate: a header claiming more shortens nothing */
const MAX_WAV_BYTES_PER_SECOND = 48_000 * 2 * 2;

/** seconds of audio in a base64 `input_audio` payload, at most */
export function audioSecondsBound(b64: string, format: string): number {
  const bytes = new Base64Bytes(b64);
  const seconds = format === 'wav' ? wavSeconds(bytes) : format === 'mp3' ? mp3Seconds(bytes) : undefined;
  return seconds ?? bytes.length / MIN_AUDIO_BYTES_PER_SECOND;
}

/** PCM (or IEEE float, or extensible) WAV: its sample data at the header's rate, capped as above; others undefined */
function wavSeconds(bytes: Base64Bytes): number | undefined {
  const head = bytes.read(0, 12);
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let pos = 12;
  let byteRate: number | undefined;
  for (let step = 0; step < 64; step++) {
    const chunk = bytes.read(pos, 24);
    if (chunk.length < 8) return undefined;
    const id = chunk.toString('latin1', 0, 4);
    const size = chunk.readUInt32LE(4);
    if (id === 'fmt ' && chunk.length >= 24) {
      const format = chunk.readUInt16LE(8);
      if (format !== 1 && format !== 3 && format !== 0xfffe) return undefined;
      const rate = chunk.readUInt32LE(12) * chunk.readUInt16LE(20); // samples per second × bytes per frame
      byteRate = Math.min(rate, MAX_WAV_BYTES_PER_SECOND);
    } else if (id === 'data') {
      if (!byteRate) return undefined;
      // every byte after the data header counts, whatever size the header claims
      return (bytes.length - pos - 8) / byteRate;
    }
    pos += 8 + size + (size % 2);
  }
  return undefined;
}

// MPEG audio frame headers: bit rates (kbit/s) by version and layer, sample rates by version
const BITRATES: Record<string, readonly number[]> = {
  'v1-l1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  'v1-l2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  'v1-l3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  'v2-l1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  'v2-l2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, readonly number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/**
 * Walks the MP3's frames (each header gives the frame's length and duration) after any ID3v2 tag. Bytes from
 * where the walk loses the frame sync to the end count at the minimum rate: a decoder that resyncs there
 * could find more audio, never more than that rate gives.
 */
function mp3Seconds(bytes: Base64Bytes): number {
  let pos = 0;
  const id3 = bytes.read(0, 10);
  if (id3.length === 10 && id3.toString('latin1', 0, 3) === 'ID3') {
    pos = 10 + ((id3[6]! & 0x7f) << 21) + ((id3[7]! & 0x7f) << 14) + ((id3[8]! & 0x7f) << 7) + (id3[9]! & 0x7f);
  }
  let seconds = 0;
  // read ahead in blocks: one decode per few hundred frames, not one per frame
  const BLOCK = 16_384;
  let block = bytes.read(pos, BLOCK);
  let blockStart = pos;
  while (pos + 4 <= bytes.length) {
    if (pos + 4 > blockStart + block.length) {
      block = bytes.read(pos, BLOCK);
      blockStart = pos;
    }
    const at = pos - blockStart;
    const b1 = block[at + 1]!;
    if (block[at] !== 0xff || (b1 & 0xe0) !== 0xe0) break;
    const version = (b1 >> 3) & 0x03; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    const layer = (b1 >> 1) & 0x03; // 3: layer I, 2: II, 1: III
    const b2 = block[at + 2]!;
    const bitrateIndex = b2 >> 4;
    const rateIndex = (b2 >> 2) & 0x03;
    if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) break;
    const key = version === 3 ? `v1-l${4 - layer}` : layer === 3 ? 'v2-l1' : 'v2-l2';
    const bitrate = BITRATES[key]![bitrateIndex]! * 1000;
    const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
    const padding = (b2 >> 1) & 0x01;
    const samples = layer === 3 ? 384 : layer === 2 || version === 3 ? 1152 : 576;
    const length = layer === 3 ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4 : Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
    if (length < 4) break;
    seconds += samples / sampleRate;
    pos += length;
  }
  return seconds + Math.max(0, bytes.length - pos) / MIN_AUDIO_BYTES_PER_SECOND;
}

/** at most this much of a document's object streams is inflated, all together; past it the page count is not known */
const MAX_INFLATED_BYTES = 8 * 1024 * 1024;
/** object streams looked into, at most */
const MAX_OBJECT_STREAMS = 1000;

/**
 * Pages of a PDF, at least: the most of (page objects, any page tree's /Count), looking inside compressed
 * object streams too. Undefined when the count cannot be known (no page found, a stream that does not
 * inflate, more streams or inflated bytes than the limits above): the caller takes the provider's page limit.
 */
export function pdfPageCount(pdf: Buffer): number | undefined {
  const text = pdf.toString('latin1');
  let pages = countPages(text);
  let budget = MAX_INFLATED_BYTES;
  let streams = 0;
  // each object stream's dictionary names /Type /ObjStm, and its data follows the next `stream` keyword
  for (let at = text.indexOf('/ObjStm'); at >= 0; at = text.indexOf('/ObjStm', at + 7)) {
    if (++streams > MAX_OBJECT_STREAMS) return undefined;
    const keyword = text.indexOf('stream', at);
    if (keyword < 0) return undefined;
    const start = keyword + (text.startsWith('stream\r\n', keyword) ? 8 : 7);
    const end = text.indexOf('endstream', start);
    if (end < 0) return undefined;
    try {
      const inflated = inflateSync(pdf.subarray(start, end), { maxOutputLength: budget });
      budget -= inflated.length;
      pages = Math.max(pages, countPages(inflated.toString('latin1')));
    } catch {
      return undefined;
    }
    at = end;
  }
  return pages > 0 ? pages : undefined;
}

function countPages(text: string): number {
  let objects = 0;
  for (const _ of text.matchAll(/\/Type\s*\/Page(?![a-zA-Z])/g)) objects++;
  let declared = 0;
  for (const m of text.matchAll(/\/Count\s+(\d{1,7})\b/g)) declared = Math.max(declared, Number(m[1]));
  return Math.max(objects, declared);
}
