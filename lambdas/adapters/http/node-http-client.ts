// HttpClient over node:http/https with keep-alive agents: no fetch/web-stream overhead on the hot path.
// Redirects are never followed (node:http does not), and every address a host resolves to is checked before
// a socket connects to it (connectProblem: metadata never, private networks only where allowed), so a name
// that resolves somewhere else at connect time (DNS rebinding) is refused all the same.
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { HttpConnectError, type HttpClient, type HttpRequest, type HttpResponse } from '../../core/ports';
import { connectProblem, type ConnectPolicy } from '../../core/guardrails/provider-urls';

const agentOptions = { keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 256, scheduling: 'lifo' as const };

export interface NodeHttpClientOptions {
  /** what sockets may connect to @default metadata refused, everything else allowed (a local run) */
  connect?: ConnectPolicy;
  /** name resolution (tests put their own here) @default node:dns lookup */
  resolve?: LookupFunction;
}

export class NodeHttpClient implements HttpClient {
  private readonly httpAgent = new http.Agent(agentOptions);
  private readonly httpsAgent = new https.Agent(agentOptions);
  private readonly policy: ConnectPolicy;
  private readonly lookup: LookupFunction;

  constructor(opts: NodeHttpClientOptions = {}) {
    this.policy = opts.connect ?? { deployed: false, privateHosts: new Set() };
    this.lookup = guardedLookup(opts.resolve ?? (dnsLookup as LookupFunction), this.policy);
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.send(req);
    } catch (err) {
      // A pooled socket the server closed while idle fails at once; nothing was answered, so resend once.
      if (err instanceof StaleSocketError) return this.send(req);
      throw err;
    }
  }

  private send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const secure = url.protocol === 'https:';
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string | number> = { ...req.headers };
    if (body) headers['content-length'] = body.length;
    // an address in the URL is never looked up: checked here
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    const refused = isIP(literal) ? connectProblem(literal, literal, this.policy) : undefined;
    if (refused) return Promise.reject(new HttpConnectError(`refused calling ${url.host}: ${refused}`, 'EADDRNOTALLOWED'));

    return new Promise<HttpResponse>((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        { method: req.method, headers, agent: secure ? this.httpsAgent : this.httpAgent, signal: req.signal, lookup: this.lookup },
        (res) => resolve(wrapResponse(res)),
      );
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') return reject(err);
        if (request.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          return reject(new StaleSocketError(err.message));
        }
        reject(new HttpConnectError(`${err.code ?? 'ERROR'} calling ${url.host}: ${err.message}`, err.code ?? 'ERROR'));
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

class StaleSocketError extends Error {}

/** a lookup that fails when any address the name resolves to may not be connected to */
function guardedLookup(resolve: LookupFunction, policy: ConnectPolicy): LookupFunction {
  return ((hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, options as never, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      for (const a of all) {
        const problem = connectProblem(hostname, a, policy);
        if (problem) return callback(Object.assign(new Error(problem), { code: 'EADDRNOTALLOWED' }), address, family);
      }
      callback(null, address, family);
    }) as never);
  }) as LookupFunction;
}

function wrapResponse(res: http.IncomingMessage): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    status: res.statusCode ?? 0,
    headers,
    body: readBody(res),
    text: () => readText(res),
    cancel() {
      res.destroy();
    },
  };
}

/**
 * The whole body as text, read with events (a whole JSON answer is most calls: an async generator and its
 * iterator per call cost more than the read); fails as readBody does.
 */
function readText(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const fail = (err: NodeJS.ErrnoException) => {
      res.off('end', end);
      reject(err.name === 'AbortError' ? err : new HttpConnectError(`connection lost while reading the answer: ${err.message}`, err.code ?? 'ECONNRESET'));
    };
    const end = () => {
      res.off('error', fail);
      res.off('close', closed);
      // Node ends the stream without error when the server resets after headers: check it arrived whole
      if (!res.complete) return reject(new HttpConnectError('connection closed before the answer was complete', 'ECONNRESET'));
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    // closed with neither an end nor an error (destroyed without a reason): what an iterator calls a premature close
    const closed = () => {
      if (!res.readableEnded) fail(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', end);
    res.once('error', fail);
    res.once('close', closed);
  });
}

/** The body as it arrives; a socket that dies mid-body surfaces as an HttpConnectError. */
async function* readBody(res: http.IncomingMessage): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Uint8Array;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.name === 'AbortError') throw e;
    throw new HttpConnectError(`connection lost while reading the answer: ${e.message}`, e.code ?? 'ECONNRESET');
  }
  // Node ends the stream without error when the server resets after headers: check it arrived whole.
  if (!res.complete) throw new HttpConnectError('connection closed before the answer was complete', 'ECONNRESET');
}
