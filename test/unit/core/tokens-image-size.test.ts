import { describe, expect, it } from 'vitest';
import { Base64Bytes, imageSizeOfBase64 } from '../../../lambdas/core/tokens/image-size';
import { audioSecondsBound, MIN_AUDIO_BYTES_PER_SECOND, pdfPageCount } from '../../../lambdas/core/tokens/media';
import { deflateSync } from 'node:zlib';
import { gif, jpeg, mp3, mp3Seconds, pdf, pdfWithObjectStream, png, wav, webp } from '../../helpers/media-fixtures';

const b64 = (b: Buffer) => b.toString('base64');

describe('image sizes from base64 headers', () => {
  it('reads a PNG from its IHDR', () => {
    expect(imageSizeOfBase64(b64(png(3, 2)))).toEqual({ width: 3, height: 2 });
    expect(imageSizeOfBase64(b64(png(4000, 1)))).toEqual({ width: 4000, height: 1 });
  });

  it('reads a GIF from its logical screen, widened by a frame that reaches past it', () => {
    expect(imageSizeOfBase64(b64(gif(5, 7)))).toEqual({ width: 5, height: 7 });
    // a 10 x 10 screen with a 40 x 30 frame at (20, 5): decoders that grow the canvas show 60 x 35
    expect(imageSizeOfBase64(b64(gif(10, 10, { left: 20, top: 5, width: 40, height: 30 })))).toEqual({ width: 60, height: 35 });
  });

  it('reads a JPEG frame header past APP segments, skipping the EXIF thumbnail and fill bytes', () => {
    expect(imageSizeOfBase64(b64(jpeg(1920, 1080)))).toEqual({ width: 1920, height: 1080 });
    expect(imageSizeOfBase64(b64(jpeg(300, 4000, { progressive: true, fillBytes: true })))).toEqual({ width: 300, height: 4000 });
  });

  it('reads all three WebP flavours (lossy, lossless, extended)', () => {
    expect(imageSizeOfBase64(b64(webp('VP8 ', 640, 480)))).toEqual({ width: 640, height: 480 });
    expect(imageSizeOfBase64(b64(webp('VP8L', 1024, 7)))).toEqual({ width: 1024, height: 7 });
    expect(imageSizeOfBase64(b64(webp('VP8X', 16383, 9000)))).toEqual({ width: 16383, height: 9000 });
  });

  it('stops walking a GIF after 4096 blocks: a frame hidden behind endless extensions leaves the logical screen', () => {
    const plain = gif(10, 10, { left: 20, top: 5, width: 40, height: 30 });
    // 5,000 empty comment extensions (introducer, label, terminator) before the frame: 10,000 blocks
    const extensions = Buffer.concat(Array.from({ length: 5000 }, () => Buffer.from([0x21, 0xfe, 0x00])));
    const at = plain.indexOf(0x2c, 13 + 6);
    const hidden = Buffer.concat([plain.subarray(0, at), extensions, plain.subarray(at)]);
    expect(imageSizeOfBase64(b64(hidden))).toEqual({ width: 10, height: 10 });
  });

  it('knows no size for anything else: truncated headers, other formats, base64 a provider would decode differently', () => {
    expect(imageSizeOfBase64(b64(png(3, 2).subarray(0, 20)))).toBeUndefined();
    expect(imageSizeOfBase64(b64(Buffer.from('<svg width="10" height="10"/>')))).toBeUndefined();
    expect(imageSizeOfBase64(b64(Buffer.from('BM\x00\x00\x00\x00', 'latin1')))).toBeUndefined();
    const withSpace = b64(png(3, 2)).replace(/(.{8})/, '$1 ');
    expect(imageSizeOfBase64(withSpace)).toBeUndefined();
    expect(imageSizeOfBase64('')).toBeUndefined();
  });

  it('decodes only what it reads: random access into a base64 payload matches a full decode', () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
    const reader = new Base64Bytes(bytes.toString('base64'));
    expect(reader.length).toBe(1000);
    for (const [offset, length] of [[0, 5], [1, 7], [2, 1], [500, 33], [995, 10], [1000, 4]] as const) {
      expect(reader.read(offset, length)).toEqual(bytes.subarray(offset, offset + length));
    }
  });
});

describe('audio durations', () => {
  it('reads a PCM WAV duration from its header and the bytes after it', () => {
    expect(audioSecondsBound(b64(wav(2.5)), 'wav')).toBeCloseTo(2.5, 6);
    expect(audioSecondsBound(b64(wav(1, { sampleRate: 44_100, channels: 2 })), 'wav')).toBeCloseTo(1, 6);
  });

  it('takes a WAV header at no more than 48 kHz 16-bit stereo, whatever rate it claims', () => {
    // 1 s of 16 kHz mono data whose header claims 1 GHz (a decoder would play it in 32 µs): counted at 192 kB/s
    const lying = wav(1, { claimedRate: 1_000_000_000 });
    expect(audioSecondsBound(b64(lying), 'wav')).toBeCloseTo(32_000 / 192_000, 6);
  });

  it('counts a compressed WAV (not PCM) by its bytes at the lowest audio bit rate', () => {
    const adpcm = wav(1, { format: 2 });
    expect(audioSecondsBound(b64(adpcm), 'wav')).toBeCloseTo(adpcm.length / MIN_AUDIO_BYTES_PER_SECOND, 6);
  });

  it('walks MP3 frames after an ID3 tag; bytes past the last frame count at 8 kbit/s', () => {
    expect(audioSecondsBound(b64(mp3(100)), 'mp3')).toBeCloseTo(mp3Seconds(100), 6);
    expect(audioSecondsBound(b64(mp3(40, 320)), 'mp3')).toBeCloseTo(mp3Seconds(40), 6);
    const junk = Buffer.concat([mp3(10), Buffer.alloc(5000, 0x11)]);
    expect(audioSecondsBound(b64(junk), 'mp3')).toBeCloseTo(mp3Seconds(10) + 5000 / MIN_AUDIO_BYTES_PER_SECOND, 6);
  });
});

describe('PDF page counts', () => {
  it('counts page objects', () => {
    expect(pdfPageCount(pdf(1))).toBe(1);
    expect(pdfPageCount(pdf(7))).toBe(7);
  });

  it('finds pages inside compressed object streams', () => {
    expect(pdfPageCount(pdfWithObjectStream(12))).toBe(12);
  });

  it('takes the larger of the page objects and the page tree /Count, so neither can understate the other', () => {
    expect(pdfPageCount(pdfWithObjectStream(3, 50))).toBe(50);
    expect(pdfPageCount(pdfWithObjectStream(9, 1))).toBe(9);
  });

  it('gives up (the page limit is taken) past 1000 object streams or 8 MB inflated', () => {
    const stream = (data: Buffer) => Buffer.concat([Buffer.from(`<< /Type /ObjStm /Filter /FlateDecode /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream\n', 'latin1')]);
    const many = Buffer.concat([pdf(2), ...Array.from({ length: 1001 }, () => stream(deflateSync(Buffer.from('<</Type/Page>>'))))]);
    expect(pdfPageCount(many)).toBeUndefined();
    const bomb = Buffer.concat([pdf(2), stream(deflateSync(Buffer.alloc(9 * 1024 * 1024, 0x20)))]);
    expect(pdfPageCount(bomb)).toBeUndefined();
    expect(pdfPageCount(Buffer.concat([pdf(2), stream(deflateSync(Buffer.alloc(1024, 0x20)))]))).toBe(2);
  });

  it('knows no count when a stream does not inflate or no page is found', () => {
    const broken = Buffer.from(pdfWithObjectStream(4).toString('latin1').replace(/stream\n[^]*?\nendstream/, 'stream\nnot deflate data\nendstream'), 'latin1');
    expect(pdfPageCount(broken)).toBeUndefined();
    expect(pdfPageCount(Buffer.from('%PDF-1.4\n%%EOF'))).toBeUndefined();
  });
});
