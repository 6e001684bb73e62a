// The local server's Lambda-style response stream over node:http: the metadata the handler gives
// HttpResponseStream.from becomes the status line and headers, whether the local shim hands it over or it
// arrives as the runtime's prelude bytes; a whole body leaves with its length, an event stream as it comes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installLambdaShim, PRELUDE_DELIMITER } from '../../../lambdas/local/lambda-shim';
import { LocalResponseStream } from '../../../lambdas/local/response-stream';

/** a server whose every request is answered by `respond` through a LocalResponseStream */
async function serve(respond: (stream: LocalResponseStream) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => respond(new LocalResponseStream(res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('LocalResponseStream', () => {
  let server: { url: string; close: () => Promise<void> } | undefined;
  beforeAll(() => installLambdaShim());
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const metadata = { statusCode: 201, headers: { 'content-type': 'application/json', 'x-request-id': 'req_1' } };

  it('sends the metadata the shim hands over as the status and headers, and a whole body with its length', async () => {
    server = await serve((stream) => {
      const body = awslambda.HttpResponseStream.from(stream as Writable, metadata);
      body.write('');
      body.write('{"ok":');
      body.end('true}');
    });
    const res = await fetch(server.url);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req_1');
    expect(res.headers.get('content-length')).toBe('11');
    expect(await res.text()).toBe('{"ok":true}');
  });

  it('reads the same metadata from prelude bytes, as the Lambda runtime would write them, split across writes', async () => {
    server = await serve((stream) => {
      const prelude = Buffer.concat([Buffer.from(JSON.stringify(metadata)), PRELUDE_DELIMITER, Buffer.from('{"ok":')]);
      stream.write(prelude.subarray(0, 10));
      stream.write(prelude.subarray(10));
      stream.end('true}');
    });
    const res = await fetch(server.url);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req_1');
    expect(await res.text()).toBe('{"ok":true}');
  });

  it('sends an event stream frame by frame, before its end', async () => {
    let finish!: () => void;
    server = await serve((stream) => {
      const body = awslambda.HttpResponseStream.from(stream as Writable, { statusCode: 200, headers: { 'content-type': 'text/event-stream' } });
      body.write('data: first\n\n');
      finish = () => body.end('data: [DONE]\n\n');
    });
    const res = await fetch(server.url);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    finish();
    let rest = '';
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest += new TextDecoder().decode(next.value);
    expect(rest).toBe('data: [DONE]\n\n');
  });
});
