// A cache hit, served: the stored chat completion is handed to the door as if a provider had answered it (a
// "replay" provider that speaks only the chat core), so each door renders its own format, whole or streamed,
// with a new id. No upstream call, no deadline; the tenant is charged the alias's chargeShare of what the
// answer first cost (0 by default), and no tokens count toward its token limits.
import { randomUUID } from 'node:crypto';
import type { Admission } from '../admission/admit';
import type { GatewayDeps, RequestScope } from '../gateway';
import { jsonResponse, type GatewayResponse } from '../http';
import { METRICS } from '../observability';
import type { ChatCompletion, ChatCompletionChunk } from '../openai/chat-response';
import type { CachedAnswer, LedgerEntry } from '../ports';
import { formatUsd } from '../pricing/cost';
import type { PricedTarget } from '../routing/resolve';
import type { Door, DoorRequest } from '../pipeline/serve';
import type { Provider } from '../../providers/types';

export interface Hit {
  answer: CachedAnswer;
  status: 'hit' | 'semantic-hit';
  similarity?: number;
}

/** a provider that answers once, with the stored completion (a new id and time), whole or as chunks */
function replayProvider(answer: CachedAnswer, now: number): Provider {
  const created = Math.floor(now / 1000);
  const completion = (): ChatCompletion => ({ ...structuredClone(answer.completion!), id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created });
  const unused = async (): Promise<never> => {
    throw new Error('a cached answer is replayed through chat only');
  };
  return {
    id: answer.provider,
    type: 'mock',
    config: { id: answer.provider, type: 'mock' } as Provider['config'],
    isConfigured: async () => true,
    chat: async () => completion(),
    chatStream: async () => chunksOf(completion()),
    embeddings: unused,
    probe: unused,
  };
}

/** a whole completion as the chunks a provider would have streamed: role, content, tool calls, finish, usage */
export async function* chunksOf(c: ChatCompletion): AsyncGenerator<ChatCompletionChunk> {
  const base = { id: c.id, object: 'chat.completion.chunk' as const, created: c.created, model: c.model };
  for (const choice of c.choices) {
    const { index, message } = choice;
    yield { ...base, choices: [{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    if (message.content) yield { ...base, choices: [{ index, delta: { content: message.content }, finish_reason: null }] };
    if (message.refusal) yield { ...base, choices: [{ index, delta: { refusal: message.refusal }, finish_reason: null }] };
    for (const [i, call] of (message.tool_calls ?? []).entries()) {
      yield { ...base, choices: [{ index, delta: { tool_calls: [{ index: i, id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }] }, finish_reason: null }] };
    }
    yield { ...base, choices: [{ index, delta: {}, finish_reason: choice.finish_reason }] };
  }
  if (c.usage) yield { ...base, choices: [], usage: c.usage };
}

export interface HitBilling {
  route: LedgerEntry['route'];
  admission: Admission;
  chargeShare: number;
  alias: string;
}

export interface HitContext<R extends DoorRequest> extends Omit<HitBilling, 'route'> {
  door: Door<R>;
  parsed: R;
  /** the output cap a call would have been sent (a door that writes `max_output_tokens` back reads it) */
  cap: number;
}

/** serve a hit in the door's format; its settlement (a ledger entry at the hit's price) runs after the response */
export async function serveHit<R extends DoorRequest>(hit: Hit, ctx: HitContext<R>, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const { answer } = hit;
  const provider = replayProvider(answer, deps.clock.now());
  const target = { provider: answer.provider, model: answer.model, price: { inputPerMTok: 0, outputPerMTok: 0 } } as unknown as PricedTarget;
  const opts = { signal: new AbortController().signal, requestId: scope.requestId };
  const { headers, cost } = billHit(hit, { ...ctx, route: ctx.door.route }, scope, deps);
  if (!ctx.parsed.stream) {
    const body = await ctx.door.complete(provider, target, ctx.parsed, ctx.cap, opts);
    await body.commit?.();
    return jsonResponse(200, body.body, { ...headers, 'x-gateway-cost-usd': formatUsd(cost) });
  }
  const pieces = await ctx.door.stream(provider, target, ctx.parsed, ctx.cap, opts);
  const door = ctx.door;
  async function* frames(): AsyncGenerator<string> {
    for await (const piece of pieces) {
      await piece.commit?.();
      if (piece.frame) yield piece.frame;
    }
    for (const closing of door.closing()) yield closing;
  }
  return { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers }, body: frames() };
}

/**
 * A hit's money and signals: its settlement (a ledger entry at the hit's price, no tokens) set to run after the
 * response, the hit metric, and the headers it answers with.
 */
export function billHit(hit: Hit, ctx: HitBilling, scope: RequestScope, deps: GatewayDeps): { headers: Record<string, string>; cost: number } {
  const { answer } = hit;
  const now = deps.clock.now();
  const cost = Math.round(answer.costNanoUsd * ctx.chargeShare);
  scope.provider = answer.provider;
  scope.providerModel = answer.model;
  scope.attempts = 0;
  scope.costNanoUsd = cost;
  const entry: LedgerEntry = {
    requestId: scope.requestId,
    tenantId: scope.tenant!,
    at: scope.receivedAt,
    route: ctx.route,
    alias: ctx.alias,
    provider: answer.provider,
    model: answer.model,
    tokens: { input: 0, output: 0, cachedInput: 0, cacheWrite: 0 },
    costNanoUsd: cost,
    operatorCostNanoUsd: 0,
    calls: [],
    latencyMs: 0,
    status: 200,
    attempts: 0,
    stream: Boolean(scope.stream),
    cache: { status: hit.status, savedNanoUsd: answer.costNanoUsd - cost, ...(hit.similarity !== undefined ? { similarity: hit.similarity } : {}) },
  };
  scope.settle = async () => {
    entry.latencyMs = deps.clock.now() - scope.receivedAt;
    await ctx.admission.settle(entry);
  };
  deps.metrics.add(METRICS.cacheHits, 1, 'Count');
  deps.metrics.add(METRICS.timeToFirstByte, now - scope.receivedAt, 'Milliseconds');
  const headers: Record<string, string> = {
    ...ctx.admission.headers,
    'x-gateway-provider': answer.provider,
    'x-gateway-model': answer.model,
    'x-gateway-attempts': '0',
    'x-gateway-cache': hit.status,
    age: String(Math.max(0, Math.floor((now - answer.createdAt) / 1000))),
    ...(hit.similarity !== undefined ? { 'x-gateway-cache-similarity': hit.similarity.toFixed(4) } : {}),
  };
  return { headers, cost };
}
