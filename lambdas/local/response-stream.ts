// A Lambda-style response stream over node:http: takes the metadata (status, headers) the handler gives
// HttpResponseStream.from — handed over by the local shim, or as the runtime's prelude bytes — sends it as the
// status line and headers, then passes the body through.
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { PRELUDE_DELIMITER, TAKES_METADATA } from './lambda-shim';

export class LocalResponseStream extends Writable {
  /** prelude bytes read so far, until the metadata is known */
  private prelude: Buffer | undefined = Buffer.alloc(0);
  /** a body that is not an event stream, kept until the end: it then leaves in one write with its length */
  private held: Buffer[] | undefined;

  constructor(private readonly res: ServerResponse) {
    super();
    // the client went away: the handler sees the stream close and stops its upstream call
    res.once('close', () => {
      if (!res.writableFinished) this.destroy();
    });
  }

  /** the local shim's HttpResponseStream.from: the metadata as an object, no prelude to parse */
  [TAKES_METADATA](metadata: awslambda.HttpResponseMetadata): void {
    if (this.prelude) this.start(metadata);
  }

  private start(metadata: awslambda.HttpResponseMetadata): void {
    this.prelude = undefined;
    this.res.statusCode = metadata.statusCode;
    const headers = metadata.headers ?? {};
    for (const name in headers) this.res.setHeader(name, headers[name]!);
    // SSE frames must leave at once, not wait for Nagle or a fuller buffer; anything else waits for its end
    if (headers['content-type']?.includes('event-stream')) this.res.flushHeaders();
    else this.held = [];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.prelude) {
      this.prelude = Buffer.concat([this.prelude, chunk]);
      const end = this.prelude.indexOf(PRELUDE_DELIMITER);
      if (end < 0) return callback();
      const rest = this.prelude.subarray(end + PRELUDE_DELIMITER.length);
      this.start(JSON.parse(this.prelude.subarray(0, end).toString('utf8')) as awslambda.HttpResponseMetadata);
      if (rest.length === 0) return callback();
      chunk = rest;
    }
    if (this.held) {
      if (chunk.length) this.held.push(chunk);
      return callback();
    }
    if (this.res.write(chunk)) callback();
    else this.res.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.prelude) {
      this.res.writeHead(502, { 'content-type': 'application/json' });
      this.res.end(() => callback());
      return;
    }
    if (!this.held) return void this.res.end(() => callback());
    // headers, length and body in one write, not chunked: one syscall for a whole JSON answer
    const body = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    this.held = undefined;
    if (!this.res.hasHeader('content-length')) this.res.setHeader('content-length', body.length);
    this.res.end(body, () => callback());
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.res.writableEnded) this.res.destroy();
    callback(err);
  }
}
