// A Lambda-style response stream over node:http: reads the metadata prelude the handler wrote through
// HttpResponseStream.from, sends it as the status line and headers, then passes the body through.
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { PRELUDE_DELIMITER } from './lambda-shim';

export class LocalResponseStream extends Writable {
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

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.prelude) {
      this.prelude = Buffer.concat([this.prelude, chunk]);
      const end = this.prelude.indexOf(PRELUDE_DELIMITER);
      if (end < 0) return callback();
      const metadata = JSON.parse(this.prelude.subarray(0, end).toString('utf8')) as awslambda.HttpResponseMetadata;
      const rest = this.prelude.subarray(end + PRELUDE_DELIMITER.length);
      this.prelude = undefined;
      this.res.statusCode = metadata.statusCode;
      for (const [name, value] of Object.entries(metadata.headers ?? {})) this.res.setHeader(name, value);
      // SSE frames must leave at once, not wait for Nagle or a fuller buffer; anything else waits for its end
      if (/event-stream/.test(metadata.headers?.['content-type'] ?? '')) this.res.flushHeaders();
      else this.held = [];
      if (rest.length === 0) return callback();
      chunk = rest;
    }
    if (this.held) {
      this.held.push(chunk);
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
    const body = Buffer.concat(this.held);
    this.held = undefined;
    if (!this.res.hasHeader('content-length')) this.res.setHeader('content-length', body.length);
    this.res.end(body, () => callback());
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.res.writableEnded) this.res.destroy();
    callback(err);
  }
}
