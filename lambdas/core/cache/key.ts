// The response cache's key: the scope (the tenant, unless the alias shares its cache), the front door, the
// resolved alias and every field of the request that can change the answer, as canonical JSON (object keys
// sorted), hashed. Fields that cannot change the answer (stream, user, metadata, store…) are left out, so a
// streamed request and a whole one share an entry. See docs/cache.md.
import { createHash } from 'node:crypto';
import type { AliasCache } from '../config/schema';
import type { LedgerEntry } from '../ports';
import type { CacheKey } from '../ports';

/** top-level request fields that never change an answer's content */
const NEUTRAL_FIELDS = new Set(['stream', 'stream_options', 'user', 'metadata', 'store', 'previous_response_id', 'background', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'encoding_format']);

/** JSON with object keys sorted at every depth and undefined values and functions left out */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

function withoutNeutral(request: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((request ?? {}) as Record<string, unknown>)) if (!NEUTRAL_FIELDS.has(k)) out[k] = v;
  return out;
}

/** a stored Responses item as it is sent again: without the id the gateway gave it (a new one every turn) */
function withoutId(item: unknown): unknown {
  if (!item || typeof item !== 'object') return item;
  const { id: _id, ...rest } = item as Record<string, unknown>;
  return rest;
}

/**
 * What of a door's parsed request the key covers: the whole request as the door took it (the native form where
 * a door has one, since a native target is sent it), less the neutral fields; for the Responses door, the
 * stored conversation it continues too. `model` is replaced by the resolved alias by the caller.
 */
export function keyMaterial(route: LedgerEntry['route'], parsed: unknown): unknown {
  const p = parsed as Record<string, unknown>;
  switch (route) {
    case 'messages':
      return { request: withoutNeutral(p.native), betas: p.betas };
    case 'embeddings':
      return { request: withoutNeutral(p.body) };
    case 'responses':
      return { request: withoutNeutral(p.body), history: ((p.history as unknown[]) ?? []).map(withoutId) };
    default:
      return { request: withoutNeutral(p.chat) };
  }
}

/** the partition a scope's entries of an alias live in: what `switchboard cache purge` reads */
export function cachePartition(scope: AliasCache['scope'], tenantId: string, alias: string): string {
  return scope === 'shared' ? `S#${alias}` : `T#${tenantId}#${alias}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** the exact key of a request: partition (scope and alias) and the hash of route, alias and request */
export function exactKey(cache: AliasCache, tenantId: string, alias: string, route: LedgerEntry['route'], parsed: unknown, outputGuard?: string): CacheKey {
  const partition = cachePartition(cache.scope, tenantId, alias);
  const material = keyMaterial(route, parsed) as { request: Record<string, unknown> };
  const request = { ...material.request, model: alias };
  if (!outputGuard) return { partition, hash: sha256(canonicalJson({ partition, route, ...material, request })) };
  return { partition, hash: sha256(canonicalJson({ partition, route, ...material, request, outputGuard })), outputGuard };
}
