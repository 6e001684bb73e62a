// The HTTP client providers call through: whole answers read as text, and answers that do not arrive whole
// fail as transport errors (which the core retries elsewhere), against servers on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpClient } from '../../../lambdas/adapters/http/node-http-client';
import { HttpConnectError } from '../../../lambdas/core/ports';

describe('NodeHttpClient', () => {
  const big = JSON.stringify({ text: 'é'.repeat(200_000) });
  let server: http.Server;
  let url: string;
  const client = new NodeHttpClient();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/whole') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(big);
      } else if (req.url === '/cut') {
        // promises more than it sends, then the connection drops
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"half":');
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (req.url === '/slow') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"slow":');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads an answer that arrives in many pieces whole, multi-byte characters across pieces included', async () => {
    const res = await client.request({ url: `${url}/whole`, method: 'GET', headers: {} });
    expect(await res.text()).toBe(big);
  });

  it('fails an answer whose connection drops before its end as a connection error', async () => {
    const res = await client.request({ url: `${url}/cut`, method: 'GET', headers: {} });
    const read = res.text();
    await expect(read).rejects.toBeInstanceOf(HttpConnectError);
    await expect(read).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('stops reading an answer the caller aborts (the core tells why from its own signal)', async () => {
    const controller = new AbortController();
    const res = await client.request({ url: `${url}/slow`, method: 'GET', headers: {}, signal: controller.signal });
    const read = res.text();
    setTimeout(() => controller.abort(new Error('deadline')), 20);
    await expect(read).rejects.toMatchObject({ message: 'connection lost while reading the answer: aborted', code: 'ECONNRESET' });
  });
});
