// The cache key: canonical JSON, what is left out of it, what is in it (scope, route, alias, every parameter).
import { describe, expect, it } from 'vitest';
import { cachePartition, canonicalJson, exactKey } from '../../../../lambdas/core/cache/key';
import { readControls } from '../../../../lambdas/core/cache/response-cache';

const config = { ttlSeconds: 60, scope: 'tenant' as const, chargeShare: 0 };
const chat = (extra: Record<string, unknown> = {}) => ({ chat: { model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }], ...extra }, stream: false });

describe('canonicalJson', () => {
  it('sorts object keys at every depth, keeps array order, drops undefined and functions', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined, e: () => 1 } })).toBe('{"a":{"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('exactKey', () => {
  it('ignores stream, stream_options, user and metadata, and the model the client named (the alias is keyed)', () => {
    const base = exactKey(config, 't1', 'fast', 'chat', chat());
    expect(exactKey(config, 't1', 'fast', 'chat', chat({ stream: true, stream_options: { include_usage: true }, user: 'u', metadata: { a: '1' } }))).toEqual(base);
  });

  it('changes with any parameter, message, part, the route, the alias and the tenant', () => {
    const base = exactKey(config, 't1', 'fast', 'chat', chat()).hash;
    const others = [
      exactKey(config, 't1', 'fast', 'chat', chat({ temperature: 0.1 })),
      exactKey(config, 't1', 'fast', 'chat', { chat: { model: 'gpt-x', messages: [{ role: 'user', content: 'hi!' }] } }),
      exactKey(config, 't1', 'fast', 'chat', { chat: { model: 'gpt-x', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] } }),
      exactKey(config, 't1', 'slow', 'chat', chat()),
      exactKey(config, 't2', 'fast', 'chat', chat()),
      exactKey(config, 't1', 'fast', 'messages', { native: chat().chat, betas: [] }),
    ].map((k) => k.hash);
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('keys a shared alias without the tenant, in a partition of its own', () => {
    const shared = { ...config, scope: 'shared' as const };
    expect(exactKey(shared, 't1', 'fast', 'chat', chat())).toEqual(exactKey(shared, 't2', 'fast', 'chat', chat()));
    expect(cachePartition('shared', 't1', 'fast')).toBe('S#fast');
    expect(cachePartition('tenant', 't1', 'fast')).toBe('T#t1#fast');
  });

  it('keys a Responses request by its stored conversation, not by the ids the gateway gave its items', () => {
    const req = (id: string) => ({ body: { model: 'm', input: 'next', previous_response_id: id }, history: [{ id: `msg_${id}`, type: 'message', role: 'user', content: 'first' }] });
    expect(exactKey(config, 't', 'a', 'responses', req('a')).hash).toBe(exactKey(config, 't', 'a', 'responses', req('b')).hash);
  });
});

describe('readControls', () => {
  it('reads Cache-Control no-cache and no-store, and a ttl', () => {
    expect(readControls({})).toEqual({ read: true, write: true, ttlSeconds: undefined });
    expect(readControls({ 'cache-control': 'No-Cache' })).toMatchObject({ read: false, write: true });
    expect(readControls({ 'cache-control': 'max-age=0, no-store' })).toMatchObject({ read: true, write: false });
    expect(readControls({ 'x-gateway-cache-ttl': ' 30 ' }).ttlSeconds).toBe(30);
    expect(() => readControls({ 'x-gateway-cache-ttl': '-1' })).toThrow(/x-gateway-cache-ttl/);
  });
});
