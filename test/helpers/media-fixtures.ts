// Tiny media files built byte by byte for the token-estimate tests: real PNG, GIF, WAV, MP3 and PDF files, and
// JPEG and WebP files whose headers are laid out as the formats define (their pixel data is not decodable).
import { crc32, deflateSync } from 'node:zlib';

const u16be = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u16le = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export const dataUrl = (mediaType: string, bytes: Buffer) => `data:${mediaType};base64,${bytes.toString('base64')}`;

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), body, u32be(crc32(body))]);
}

/** an RGB PNG of black pixels */
export function png(width: number, height: number): Buffer {
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  const row = Buffer.alloc(1 + 3 * width); // filter byte 0, then black pixels
  const idat = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * A GIF89a with a two-colour table, a graphic control extension and one frame of colour 0, its LZW data
 * written with a clear code every two pixels so the code size stays at 3 bits.
 */
export function gif(width: number, height: number, frame?: { left: number; top: number; width: number; height: number }): Buffer {
  const f = frame ?? { left: 0, top: 0, width, height };
  const codes: number[] = [];
  for (let i = 0; i < f.width * f.height; i += 2) codes.push(4, 0, ...(i + 1 < f.width * f.height ? [0] : []));
  codes.push(5);
  const packed: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of codes) {
    acc |= c << bits;
    bits += 3;
    while (bits >= 8) {
      packed.push(acc & 0xff);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits) packed.push(acc & 0xff);
  const blocks: Buffer[] = [];
  for (let i = 0; i < packed.length; i += 255) {
    const sub = packed.slice(i, i + 255);
    blocks.push(Buffer.from([sub.length, ...sub]));
  }
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    u16le(width),
    u16le(height),
    Buffer.from([0x80, 0, 0]), // global colour table of 2 entries
    Buffer.from([0, 0, 0, 255, 255, 255]),
    Buffer.from([0x21, 0xf9, 0x04, 0, 0, 0, 0, 0]), // graphic control extension
    Buffer.from([0x21, 0xfe, 0x03, 0x61, 0x62, 0x63, 0x00]), // a comment extension, to be skipped
    Buffer.from([0x2c]),
    u16le(f.left),
    u16le(f.top),
    u16le(f.width),
    u16le(f.height),
    Buffer.from([0x00, 0x02]), // no local table; LZW minimum code size 2
    ...blocks,
    Buffer.from([0x00, 0x3b]),
  ]);
}

function jpegSegment(marker: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xff, marker]), u16be(body.length + 2), body]);
}

function sof(marker: number, width: number, height: number): Buffer {
  return jpegSegment(marker, Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])]));
}

/** JFIF, an EXIF segment carrying a 160 × 120 thumbnail (with its own frame header), quantization table, frame, Huffman table, scan */
export function jpeg(width: number, height: number, opts: { progressive?: boolean; fillBytes?: boolean } = {}): Buffer {
  const thumbnail = Buffer.concat([Buffer.from([0xff, 0xd8]), sof(0xc0, 160, 120), Buffer.from([0xff, 0xd9])]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe0, Buffer.from('JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00', 'latin1')),
    jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.alloc(64), thumbnail])),
    ...(opts.fillBytes ? [Buffer.from([0xff, 0xff])] : []),
    jpegSegment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    sof(opts.progressive ? 0xc2 : 0xc0, width, height),
    jpegSegment(0xc4, Buffer.concat([Buffer.from([0]), Buffer.from([0, 1, ...Array(14).fill(0)]), Buffer.from([0])])),
    jpegSegment(0xda, Buffer.from([3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0])),
    Buffer.from([0x12, 0x34, 0x56]),
    Buffer.from([0xff, 0xd9]),
  ]);
}

function riff(form: string, chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from(form, 'latin1'), ...chunks]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body]);
}

function riffChunk(id: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(id, 'latin1'), u32le(data.length), data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

export function webp(kind: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number): Buffer {
  switch (kind) {
    case 'VP8 ':
      return riff('WEBP', [riffChunk('VP8 ', Buffer.concat([Buffer.from([0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a]), u16le(width), u16le(height), Buffer.alloc(8)]))]);
    case 'VP8L': {
      const bits = ((width - 1) | ((height - 1) << 14)) >>> 0;
      return riff('WEBP', [riffChunk('VP8L', Buffer.concat([Buffer.from([0x2f]), u32le(bits), Buffer.alloc(8)]))]);
    }
    case 'VP8X': {
      const size = Buffer.alloc(6);
      size.writeUIntLE(width - 1, 0, 3);
      size.writeUIntLE(height - 1, 3, 3);
      return riff('WEBP', [riffChunk('VP8X', Buffer.concat([Buffer.from([0x10, 0, 0, 0]), size])), riffChunk('VP8L', Buffer.from([0x2f, 0, 0, 0, 0]))]);
    }
  }
}

/** PCM WAV of silence; `claimedRate` overrides the sample rate the header states */
export function wav(seconds: number, opts: { sampleRate?: number; channels?: number; bits?: number; claimedRate?: number; format?: number } = {}): Buffer {
  const { sampleRate = 16_000, channels = 1, bits = 16, format = 1 } = opts;
  const blockAlign = (channels * bits) / 8;
  const rate = opts.claimedRate ?? sampleRate;
  const fmt = Buffer.concat([u16le(format), u16le(channels), u32le(rate), u32le(rate * blockAlign), u16le(blockAlign), u16le(bits)]);
  return riff('WAVE', [riffChunk('fmt ', fmt), riffChunk('LIST', Buffer.from('INFOISFT\x04\x00\x00\x00test', 'latin1')), riffChunk('data', Buffer.alloc(Math.round(seconds * sampleRate) * blockAlign))]);
}

/** MPEG-1 layer III frames at `kbps` and 44.1 kHz (417 or 1044 bytes each at 128 / 320 kbit/s), after an ID3v2 tag */
export function mp3(frames: number, kbps: 128 | 320 = 128): Buffer {
  const index = kbps === 128 ? 9 : 14;
  const header = Buffer.from([0xff, 0xfb, (index << 4) | (0 << 2), 0x64]);
  const length = Math.floor((144 * kbps * 1000) / 44_100);
  const frame = Buffer.concat([header, Buffer.alloc(length - 4)]);
  const id3 = Buffer.concat([Buffer.from('ID3\x04\x00\x00', 'latin1'), Buffer.from([0, 0, 0, 20]), Buffer.alloc(20)]);
  return Buffer.concat([id3, ...Array.from({ length: frames }, () => frame)]);
}

/** seconds of audio in `mp3(frames)` */
export const mp3Seconds = (frames: number) => (frames * 1152) / 44_100;

function pdfFrom(objects: string[], extra: Buffer[] = []): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  objects.forEach((body, i) => parts.push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1')));
  parts.push(...extra);
  parts.push(Buffer.from(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** a PDF with `pages` pages, each with a line of text */
export function pdf(pages: number): Buffer {
  const kids = Array.from({ length: pages }, (_, i) => `${4 + 2 * i} 0 R`).join(' ');
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'];
  for (let i = 0; i < pages; i++) {
    const text = `BT /F1 12 Tf 72 720 Td (Page ${i + 1}) Tj ET`;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`);
    objects.push(`<< /Length ${text.length} >>\nstream\n${text}\nendstream`);
  }
  return pdfFrom(objects);
}

/**
 * A PDF 1.5 whose page tree and pages live in a compressed object stream, as most PDF writers do today:
 * no `/Type /Page` appears in the file's own bytes. `claimedCount` is what its page tree says.
 */
export function pdfWithObjectStream(pages: number, claimedCount = pages): Buffer {
  const inner = [`<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${10 + i} 0 R`).join(' ')}] /Count ${claimedCount} >>`];
  for (let i = 0; i < pages; i++) inner.push(`<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>`);
  const ids = [2, ...Array.from({ length: pages }, (_, i) => 10 + i)];
  let offsets = '';
  let body = '';
  inner.forEach((o, i) => {
    offsets += `${ids[i]} ${body.length} `;
    body += `${o}\n`;
  });
  const raw = Buffer.from(offsets + body, 'latin1');
  const compressed = deflateSync(raw);
  const stream = Buffer.concat([
    Buffer.from(`3 0 obj\n<< /Type /ObjStm /N ${inner.length} /First ${offsets.length} /Filter /FlateDecode /Length ${compressed.length} >>\nstream\n`, 'latin1'),
    compressed,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
  return pdfFrom(['<< /Type /Catalog /Pages 2 0 R >>'], [stream]);
}
