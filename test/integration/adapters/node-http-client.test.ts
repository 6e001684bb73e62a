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

describe('NodeHttpClient: where it may connect (SSRF)', () => {
  it('a deployed client refuses loopback and metadata addresses, literal or resolved, unless the host is a private provider', async () => {
    const Client = NodeHttpClient;
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const resolve = ((host: string, opts: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) => {
      const address = host === 'meta.test' ? '169.254.169.254' : '127.0.0.1';
      if (opts?.all) cb(null, [{ address, family: 4 }]);
      else cb(null, address, 4);
    }) as never;
    const deployed = new Client({ connect: { deployed: true, privateHosts: new Set(['ollama.internal.test']) }, resolve });
    const local = new Client({ resolve });
    try {
      await expect(deployed.request({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} })).rejects.toMatchObject({ code: 'EADDRNOTALLOWED' });
      await expect(deployed.request({ method: 'GET', url: `http://app.test:${port}/`, headers: {} })).rejects.toThrow(/loopback or private/);
      await expect(deployed.request({ method: 'GET', url: `http://[::ffff:127.0.0.1]:${port}/`, headers: {} })).rejects.toMatchObject({ code: 'EADDRNOTALLOWED' });
      expect((await deployed.request({ method: 'GET', url: `http://ollama.internal.test:${port}/`, headers: {} })).status).toBe(200);
      // locally: loopback is fine, metadata never
      expect((await local.request({ method: 'GET', url: `http://app.test:${port}/`, headers: {} })).status).toBe(200);
      await expect(local.request({ method: 'GET', url: `http://meta.test:${port}/`, headers: {} })).rejects.toThrow(/metadata/);
      await expect(local.request({ method: 'GET', url: 'http://169.254.169.254/latest/meta-data/', headers: {} })).rejects.toMatchObject({ code: 'EADDRNOTALLOWED' });
    } finally {
      deployed.close();
      local.close();
      server.close();
    }
  });

  it('does not follow redirects: a 302 to the metadata address is the answer, not a second request', async () => {
    const Client = NodeHttpClient;
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits++;
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new Client();
    try {
      const res = await client.request({ method: 'GET', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, headers: {} });
      expect(res.status).toBe(302);
      expect(hits).toBe(1);
    } finally {
      client.close();
      server.close();
    }
  });
});
