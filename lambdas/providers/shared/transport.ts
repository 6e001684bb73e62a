// The HTTP exchange every HTTP provider shares: send, turn transport failures and error answers into
// ProviderErrors, and hand back a successful answer.
import { HttpConnectError, type HttpClient, type HttpResponse } from '../../core/ports';
import type { ProviderConfig } from '../../core/config/schema';
import { NO_ANSWER, ProviderError, type CallOptions, type Provider, type ProviderDeps } from '../types';
import { malformed } from './errors';
import { keyResolver } from './keys';

/** Reads a provider's error answer into a ProviderError (each provider knows its own error body). */
export type ErrorMapper = (status: number, headers: Record<string, string>, body: string) => ProviderError;

interface SendOptions {
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  signal: AbortSignal;
}

/** GET without a body, POST with one as JSON */
async function send(http: HttpClient, opts: SendOptions, mapError: ErrorMapper): Promise<HttpResponse> {
  let res: HttpResponse;
  try {
    res = await http.request({
      url: opts.url,
      method: opts.body === undefined ? 'GET' : 'POST',
      headers: opts.body === undefined ? opts.headers : { 'content-type': 'application/json', ...opts.headers },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    throw transportError(err);
  }
  if (res.status >= 200 && res.status < 300) return res;
  let text = '';
  try {
    text = await res.text();
  } catch {
    // the error body is a courtesy; its status already says what happened
  }
  throw mapError(res.status, res.headers, text);
}

export type ProviderCall = (url: string, body: unknown, opts: CallOptions) => Promise<HttpResponse>;

export interface KeyedHttpProvider {
  /** the Provider fields that depend only on the entry and its key */
  identity: Pick<Provider, 'id' | 'type' | 'config' | 'isConfigured'>;
  /** POST with a JSON body (GET without), the key in the provider's headers, errors read its way */
  call: ProviderCall;
}

/** What every HTTP provider with an API key starts from. */
export function keyedHttpProvider(
  config: ProviderConfig,
  deps: ProviderDeps,
  headers: (apiKey: string | undefined, opts: CallOptions) => Record<string, string>,
  mapError: ErrorMapper,
): KeyedHttpProvider {
  const apiKey = keyResolver(config, deps.secrets);
  return {
    identity: { id: config.id, type: config.type, config, isConfigured: apiKey.isConfigured },
    call: async (url, body, opts) =>
      send(deps.http, { url, headers: headers(await apiKey.get(), opts), body, signal: opts.signal }, mapError),
  };
}

/** Read a whole JSON answer; a body that is not JSON is a provider fault worth retrying elsewhere. */
export async function readJson<T>(res: HttpResponse): Promise<T> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw transportError(err);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw malformed('the provider answered with a body that is not JSON');
  }
}

/** Connect errors and resets become retryable ProviderErrors; an abort stays an abort. */
export function transportError(err: unknown): unknown {
  if (err instanceof ProviderError) return err;
  if (err instanceof HttpConnectError) {
    return new ProviderError({ status: NO_ANSWER, retryable: true, code: 'connect_error', message: err.message });
  }
  return err;
}

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Trailing slash trimmed so `${baseUrl}/path` is always right. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}
