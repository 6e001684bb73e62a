// Width and height of a PNG, JPEG, GIF or WebP image from the first bytes of its base64 payload: providers bill
// images by their size, and decoding a 20 MB image on the hot path to learn it would cost more than the call.
// Only the header bytes are decoded (a JPEG's segments are skipped by their lengths, a few bytes each).

export interface ImageSize {
  width: number;
  height: number;
}

/** blocks or segments read from one header at most (each read decodes a few bytes) */
const MAX_HEADER_STEPS = 4096;

/** base64 with padding only at the end: anything else is not what the provider will decode, so no size is read */
const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Random access to the bytes a base64 string encodes, decoding only the 4-character groups asked for. */
export class Base64Bytes {
  readonly length: number;
  readonly #b64: string;

  constructor(b64: string) {
    this.#b64 = b64;
    const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
    this.length = Math.max(0, Math.floor(b64.length / 4) * 3 - padding + Math.floor(((b64.length % 4) * 3) / 4));
  }

  /** up to `length` bytes from `offset` (fewer at the end) */
  read(offset: number, length: number): Buffer {
    if (offset < 0 || length <= 0 || offset >= this.length) return Buffer.alloc(0);
    const first = Math.floor(offset / 3);
    const last = Math.ceil(Math.min(offset + length, this.length) / 3);
    const bytes = Buffer.from(this.#b64.slice(first * 4, last * 4), 'base64');
    const start = offset - first * 3;
    return bytes.subarray(start, start + length);
  }
}

/** the size of the image a base64 payload holds, or undefined when it is not a well-formed PNG, JPEG, GIF or WebP */
export function imageSizeOfBase64(b64: string): ImageSize | undefined {
  if (!STRICT_BASE64.test(b64)) return undefined;
  const bytes = new Base64Bytes(b64);
  const head = bytes.read(0, 32);
  const size = head.length < 10 ? undefined : pngSize(head) ?? gifSize(head, bytes) ?? webpSize(head) ?? jpegSize(head, bytes);
  return size && size.width > 0 && size.height > 0 ? size : undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(head: Buffer): ImageSize | undefined {
  if (head.length < 24 || !head.subarray(0, 8).equals(PNG_SIGNATURE) || head.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

/** the logical screen, widened by the first frame where that frame reaches past it */
function gifSize(head: Buffer, bytes: Base64Bytes): ImageSize | undefined {
  const signature = head.toString('latin1', 0, 6);
  if (signature !== 'GIF87a' && signature !== 'GIF89a') return undefined;
  let width = head.readUInt16LE(6);
  let height = head.readUInt16LE(8);
  const packed = head[10]!;
  let pos = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);
  // at most MAX_HEADER_STEPS blocks are read before the first frame: endless extensions are not walked
  let inExtension = false;
  for (let steps = 0; steps < MAX_HEADER_STEPS; steps++) {
    const block = bytes.read(pos, 10);
    if (!block.length) break;
    if (inExtension) {
      // sub-blocks of (size, data) until a zero size
      pos += 1 + block[0]!;
      if (block[0] === 0) inExtension = false;
    } else if (block[0] === 0x2c && block.length >= 9) {
      width = Math.max(width, block.readUInt16LE(1) + block.readUInt16LE(5));
      height = Math.max(height, block.readUInt16LE(3) + block.readUInt16LE(7));
      break;
    } else if (block[0] === 0x21 && block.length >= 2) {
      pos += 2; // introducer and label
      inExtension = true;
    } else break;
  }
  return { width, height };
}

function webpSize(head: Buffer): ImageSize | undefined {
  if (head.length < 30 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  switch (head.toString('latin1', 12, 16)) {
    case 'VP8 ':
      // frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height
      if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return undefined;
      return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
    case 'VP8L': {
      if (head[20] !== 0x2f) return undefined;
      const bits = head.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X':
      return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
    default:
      return undefined;
  }
}

/** start-of-frame markers: baseline, progressive, lossless, arithmetic (not DHT C4, JPG C8, DAC CC) */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Walks the segments up to the first scan; the largest frame header found is the size (a thumbnail in EXIF is inside APP1 and skipped). */
function jpegSize(head: Buffer, bytes: Base64Bytes): ImageSize | undefined {
  if (head[0] !== 0xff || head[1] !== 0xd8) return undefined;
  let pos = 2;
  let size: ImageSize | undefined;
  for (let step = 0; step < MAX_HEADER_STEPS; step++) {
    const seg = bytes.read(pos, 9);
    if (seg.length < 2 || seg[0] !== 0xff) break;
    const marker = seg[1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan, end of image
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    if (seg.length < 4) break;
    if (isStartOfFrame(marker)) {
      if (seg.length < 9) break;
      const height = seg.readUInt16BE(5);
      const width = seg.readUInt16BE(7);
      // a height of 0 is defined later (DNL): the size is not in the header
      if (height === 0) return undefined;
      size = { width: Math.max(width, size?.width ?? 0), height: Math.max(height, size?.height ?? 0) };
    }
    pos += 2 + seg.readUInt16BE(2);
  }
  return size;
}
