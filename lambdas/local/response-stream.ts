// A Lambda-style response stream over node:http: reads the metadata prelude the handler wrote through
// HttpResponseStream.from, sends it as the status line and headers, then passes the body through.
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { PRELUDE_DELIMITER } from './lambda-shim';

export class LocalResponseStream extends Writable {
  private prelude: Buffer | undefined = Buffer.alloc(0);

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
      this.res.writeHead(metadata.statusCode, metadata.headers ?? {});
      // SSE frames must leave at once, not wait for Nagle or a fuller buffer
      if (/event-stream/.test(metadata.headers?.['content-type'] ?? '')) this.res.flushHeaders();
      if (rest.length === 0) return callback();
      chunk = rest;
    }
    if (this.res.write(chunk)) callback();
    else this.res.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.prelude) this.res.writeHead(502, { 'content-type': 'application/json' });
    this.res.end(() => callback());
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.res.writableEnded) this.res.destroy();
    callback(err);
  }
}
