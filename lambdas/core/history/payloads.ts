// Payload logging: a tenant's request and answer bodies, written to the payload bucket after the response
// (in the request's settlement, never before the first byte) when the tenant's `payloadLogging` says so:
//   off       nothing (the default; no work at all on the request's path)
//   redacted  what was sent upstream (the core's chat view of the request, after guardrail masking where a
//             policy masks) and the answer, every string with secrets removed (core/redact.ts)
//   full      the request body as received and the answer, unchanged
// Key: payloads/<tenant>/<yyyy>/<mm>/<dd>/<request id>.json.gz (the ledger entry's payloadKey), gzip'd JSON.
// Bodies are bounded (MAX_BODY_CHARS each); a stream's answer is its assembled text. A failed write never
// fails the request: it is logged and counted (PayloadWriteFailures).
import { gunzipSync, gzipSync } from 'node:zlib';
import { dayOf } from '../periods';
import { METRICS_HISTORY } from './metrics';
import { redactSecretsWhole } from '../redact';
import type { Logger, Metrics, ObjectStore } from '../ports';

export type PayloadLogging = 'off' | 'redacted' | 'full';

/** each of the request and the answer keeps at most this many characters; a longer one is cut and says so */
export const MAX_BODY_CHARS = 256 * 1024;

/** What a logged payload holds (the object's JSON, before gzip). */
export interface LoggedPayload {
  request_id: string;
  tenant: string;
  mode: 'redacted' | 'full';
  /** epoch ms the request arrived */
  at: number;
  route: string;
  status: number;
  stream: boolean;
  request: unknown;
  /** a whole answer's body (the door's wire form); a stream's assembled text in `text` */
  response?: unknown;
  text?: string;
  /** the error a stream ended with after it started */
  stream_error?: string;
  /** which bodies were cut at MAX_BODY_CHARS */
  truncated?: Array<'request' | 'response' | 'text'>;
}

export function payloadKey(tenantId: string, requestId: string, at: number): string {
  const [yyyy, mm, dd] = dayOf(at).split('-');
  return `payloads/${tenantId}/${yyyy}/${mm}/${dd}/${requestId}.json.gz`;
}

export interface PayloadCaptureOptions {
  mode: PayloadLogging | undefined;
  tenantId: string;
  requestId: string;
  receivedAt: number;
  route: string;
  stream: boolean;
  /** the body as received (full) */
  rawBody: string | undefined;
  /** what is sent upstream, read when the payload is written (redacted): guardrail masking has happened by then */
  sent: () => unknown;
}

/**
 * One request's payload: made as the request is parsed (nothing when logging is off), told the answer, written
 * after the response. `key` goes into the ledger entry.
 */
export class PayloadCapture {
  readonly key: string;
  #response: unknown;

  private constructor(private readonly opts: PayloadCaptureOptions & { mode: 'redacted' | 'full' }) {
    this.key = payloadKey(opts.tenantId, opts.requestId, opts.receivedAt);
  }

  /** undefined when the tenant logs nothing: the request's path does no more than this test */
  static of(opts: PayloadCaptureOptions): PayloadCapture | undefined {
    return opts.mode === 'redacted' || opts.mode === 'full' ? new PayloadCapture({ ...opts, mode: opts.mode }) : undefined;
  }

  /** a whole answer's body (streams: the text is given at write) */
  answered(body: unknown): void {
    this.#response = body;
  }

  /** the payload object as it is written */
  build(end: { status: number; text?: string; streamError?: string }): LoggedPayload {
    const { mode } = this.opts;
    const truncated: LoggedPayload['truncated'] = [];
    const keep = (name: 'request' | 'response' | 'text', value: unknown): unknown => {
      if (value === undefined) return undefined;
      let shown = mode === 'redacted' ? redactValue(value) : value;
      const text = typeof shown === 'string' ? shown : JSON.stringify(shown);
      if (text.length > MAX_BODY_CHARS) {
        truncated.push(name);
        shown = `${text.slice(0, MAX_BODY_CHARS)}…(+${text.length - MAX_BODY_CHARS} chars)`;
      }
      return shown;
    };
    const request = mode === 'full' ? parsedOrText(this.opts.rawBody) : this.opts.sent();
    const payload: LoggedPayload = {
      request_id: this.opts.requestId,
      tenant: this.opts.tenantId,
      mode,
      at: this.opts.receivedAt,
      route: this.opts.route,
      status: end.status,
      stream: this.opts.stream,
      request: keep('request', request),
    };
    if (this.opts.stream) payload.text = keep('text', end.text ?? '') as string;
    else if (this.#response !== undefined) payload.response = keep('response', this.#response);
    if (end.streamError) payload.stream_error = end.streamError;
    if (truncated.length) payload.truncated = truncated;
    return payload;
  }

  /** write it; never throws (a failure is logged and counted, the request is not affected) */
  async write(store: ObjectStore | undefined, end: { status: number; text?: string; streamError?: string }, deps: { logger: Logger; metrics: Metrics }): Promise<boolean> {
    try {
      if (!store) throw new Error('no payload bucket is configured');
      await store.put(this.key, encodePayload(this.build(end)), { contentType: 'application/gzip' });
      deps.metrics.add(METRICS_HISTORY.payloadsWritten, 1, 'Count');
      return true;
    } catch (err) {
      deps.logger.error('payload log write failed; the request was served', { requestId: this.opts.requestId, tenant: this.opts.tenantId, key: this.key, error: (err as Error).message });
      deps.metrics.add(METRICS_HISTORY.payloadWriteFailures, 1, 'Count');
      return false;
    }
  }
}

export function encodePayload(payload: LoggedPayload): Uint8Array {
  return gzipSync(JSON.stringify(payload));
}

export function decodePayload(bytes: Uint8Array): LoggedPayload {
  return JSON.parse(gunzipSync(bytes).toString('utf8')) as LoggedPayload;
}

function parsedOrText(body: string | undefined): unknown {
  if (body === undefined) return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** every string in the value with secrets removed (keys of objects stay) */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactSecretsWhole(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)]));
  return value;
}
