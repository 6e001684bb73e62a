// GET /v1/requests query checking, the entry as the API shows it, and the payload object (key, modes,
// redaction, bounds, gzip round trip, what off costs).
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../lambdas/core/errors';
import { decodePayload, encodePayload, MAX_BODY_CHARS, PayloadCapture, payloadKey } from '../../../../lambdas/core/history/payloads';
import { historyQuery, requestObject } from '../../../../lambdas/core/history/routes';
import type { LedgerEntry } from '../../../../lambdas/core/ports';

function refused(query: Record<string, string>): { status: number; param: unknown } {
  try {
    historyQuery(query, 't');
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return { status: (err as GatewayError).status, param: ((err as GatewayError).toBody() as { error: { param: unknown } }).error.param };
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('historyQuery', () => {
  it('defaults to 20 newest, takes the tenant from the caller only', () => {
    expect(historyQuery({}, 'acme')).toEqual({ tenantId: 'acme', limit: 20 });
  });

  it('reads every parameter', () => {
    expect(historyQuery({ limit: '100', after: 'req_1', model: 'fast', provider: 'openai', status: '429', route: 'messages', since: '1764669600', until: '2026-12-02T11:00:00Z', order: 'desc' }, 't')).toEqual({
      tenantId: 't',
      limit: 100,
      after: 'req_1',
      model: 'fast',
      provider: 'openai',
      status: 429,
      route: 'messages',
      since: 1_764_669_600_000,
      until: Date.parse('2026-12-02T11:00:00Z'),
    });
    expect(historyQuery({ status: 'error', since: '2026-12-01' }, 't')).toMatchObject({ status: 'error', since: Date.parse('2026-12-01T00:00:00Z') });
  });

  it('refuses bad values with a 400 naming the parameter', () => {
    for (const [query, param] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ limit: '1.5' }, 'limit'],
      [{ limit: '-3' }, 'limit'],
      [{ after: 'x#y' }, 'after'],
      [{ after: 'a'.repeat(129) }, 'after'],
      [{ model: '' }, 'model'],
      [{ provider: 'p'.repeat(1_025) }, 'provider'],
      [{ status: '99' }, 'status'],
      [{ status: '600' }, 'status'],
      [{ status: 'failed' }, 'status'],
      [{ route: 'chat/completions' }, 'route'],
      [{ since: 'now' }, 'since'],
      [{ until: '2026-13-45T99:00:00Z' }, 'until'],
      [{ since: '2026-12-02', until: '2026-12-01' }, 'since'],
      [{ order: 'asc' }, 'order'],
      [{ tenant: 'other' }, 'tenant'],
    ] as Array<[Record<string, string>, string]>) {
      expect(refused(query), JSON.stringify(query)).toEqual({ status: 400, param });
    }
  });
});

const entry: LedgerEntry = {
  requestId: 'req_1',
  tenantId: 'acme',
  at: Date.parse('2026-12-02T10:00:00.123Z'),
  route: 'chat',
  alias: 'fast',
  provider: 'openai',
  model: 'gpt-4o-mini',
  tokens: { input: 10, output: 5, cachedInput: 2, cacheWrite: 0 },
  costNanoUsd: 1_500,
  operatorCostNanoUsd: 700,
  calls: [
    { provider: 'anthropic', model: 'claude', status: 0, inputTokens: 10, outputTokens: 0, costNanoUsd: 700, bearer: 'operator', estimated: true },
    { provider: 'openai', model: 'gpt-4o-mini', status: 200, inputTokens: 10, outputTokens: 5, costNanoUsd: 1_500, bearer: 'tenant' },
  ],
  latencyMs: 900,
  firstByteMs: 450,
  status: 200,
  attempts: 2,
  stream: true,
};

describe('requestObject', () => {
  it('shows route, calls with provider and outcome, tokens, cost, latency and time to first byte', () => {
    const shown = requestObject(entry);
    expect(shown).toMatchObject({
      id: 'req_1',
      object: 'gateway.request',
      created: 1_796_205_600,
      created_at: '2026-12-02T10:00:00.123Z',
      route: 'chat',
      model: 'fast',
      provider: 'openai',
      provider_model: 'gpt-4o-mini',
      latency_ms: 900,
      first_byte_ms: 450,
      usage: { input_tokens: 10, output_tokens: 5, cached_input_tokens: 2, cache_write_tokens: 0 },
      payload_logged: false,
    });
    expect((shown.calls as Array<Record<string, unknown>>).map((c) => [c.provider, c.outcome, c.bearer])).toEqual([
      ['anthropic', 'timeout', 'operator'],
      ['openai', 'ok', 'tenant'],
    ]);
    for (const absent of ['cache', 'guardrails', 'batch_id']) expect(shown).not.toHaveProperty(absent);
  });

  it('shows cache, guardrail and batch results when the entry has them', () => {
    const shown = requestObject({ ...entry, cache: { status: 'hit', savedNanoUsd: 1_500 }, guardrails: ['pii-mask:masked=email'], batchId: 'batch_9', payloadKey: 'payloads/acme/2026/12/02/req_1.json.gz' });
    expect(shown).toMatchObject({ cache: { status: 'hit' }, guardrails: ['pii-mask:masked=email'], batch_id: 'batch_9', payload_logged: true });
  });
});

describe('payload logging', () => {
  const base = { tenantId: 'acme', requestId: 'req_1', receivedAt: Date.parse('2026-12-02T23:59:59Z'), route: 'chat', stream: false };

  it('is nothing at all when off or unset', () => {
    expect(PayloadCapture.of({ ...base, mode: 'off', rawBody: '{}', sent: () => ({}) })).toBeUndefined();
    expect(PayloadCapture.of({ ...base, mode: undefined, rawBody: '{}', sent: () => ({}) })).toBeUndefined();
  });

  it('keys by tenant and UTC day', () => {
    expect(payloadKey('acme', 'req_1', base.receivedAt)).toBe('payloads/acme/2026/12/02/req_1.json.gz');
  });

  it('full: the body as received and the answer; redacted: what was sent with every string through redact.ts', () => {
    const raw = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'key sk-live-Abcdefghijklmnop1234567890' }] });
    const full = PayloadCapture.of({ ...base, mode: 'full', rawBody: raw, sent: () => ({ masked: true }) })!;
    full.answered({ choices: [{ message: { content: 'AKIAIOSFODNN7EXAMPLE' } }] });
    const f = full.build({ status: 200 });
    expect(f.request).toEqual(JSON.parse(raw));
    expect(JSON.stringify(f.response)).toContain('AKIAIOSFODNN7EXAMPLE');

    const redacted = PayloadCapture.of({ ...base, mode: 'redacted', rawBody: raw, sent: () => ({ messages: [{ role: 'user', content: 'key sk-live-Abcdefghijklmnop1234567890' }] }) })!;
    redacted.answered({ choices: [{ message: { content: 'AKIAIOSFODNN7EXAMPLE' } }] });
    const r = redacted.build({ status: 200 });
    expect(r.request).toEqual({ messages: [{ role: 'user', content: 'key [redacted]' }] });
    expect(JSON.stringify(r)).not.toMatch(/sk-live|AKIA/);
  });

  it('logs a stream as its text, cuts bodies past the bound and says so, and round-trips through gzip', () => {
    const capture = PayloadCapture.of({ ...base, stream: true, mode: 'full', rawBody: 'x'.repeat(MAX_BODY_CHARS + 10), sent: () => null })!;
    const p = capture.build({ status: 200, text: 'streamed answer', streamError: 'upstream_error' });
    expect(p).toMatchObject({ stream: true, text: 'streamed answer', stream_error: 'upstream_error', truncated: ['request'] });
    expect((p.request as string).endsWith('…(+10 chars)')).toBe(true);
    const bytes = encodePayload(p);
    expect(bytes[0]).toBe(0x1f);
    expect(decodePayload(bytes)).toEqual(p);
  });
});
