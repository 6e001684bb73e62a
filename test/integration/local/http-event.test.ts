// The local server's request body reader: a whole body as text, and a body the client never finished.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from '../../../lambdas/local/http-event';

describe('readBody', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  /** a server that reads each request's body and reports what came of it */
  async function listen(limit: number): Promise<{ port: number; outcome: Promise<string | undefined> }> {
    let settle!: (p: Promise<string | undefined>) => void;
    const outcome = new Promise<Promise<string | undefined>>((resolve) => (settle = resolve)).then((p) => p);
    server = http.createServer((req, res) => {
      const read = readBody(req, limit);
      settle(read);
      read.then(() => res.end('ok'), () => res.destroy());
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, outcome };
  }

  it('reads a body sent in pieces whole, multi-byte characters across pieces included', async () => {
    const { port, outcome } = await listen(1_000_000);
    const body = JSON.stringify({ text: 'é'.repeat(100_000) });
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(await outcome).toBe(body);
  });

  it('stops keeping a body once it is over the limit, and still reads it to its end', async () => {
    const { port, outcome } = await listen(10);
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(4_000_000) });
    expect(res.status).toBe(200);
    const kept = await outcome;
    expect(kept!.length).toBeGreaterThan(10);
    expect(kept!.length).toBeLessThan(4_000_000);
  });

  it('fails a body whose client leaves before its end, instead of waiting for it forever', async () => {
    const { port, outcome } = await listen(1_000_000);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"half":');
    setTimeout(() => socket.destroy(), 20);
    await expect(outcome).rejects.toThrow();
  });
});
