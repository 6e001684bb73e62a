// POST /v1/chat/completions: who → what → which targets → bounds and admission → call (falling over) → answer
// → settle every call the request made, after the response.
import { Bill, type BilledCall } from '../admission/bill';
import type { Admission, CallBounds } from '../admission/admit';
import { chatRequest, maxOutputTokens, unknownChatFields, type ChatRequest } from '../openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../openai/chat-response';
import { Deadline, DeadlineExceeded } from '../deadline';
import { errors, GatewayError } from '../errors';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { executeWithFallback, reportLateFailure, type Executed, type ExecuteOptions } from '../routing/execute';
import { readPolicy } from '../routing/policy';
import { resolveModel, type PricedTarget, type ResolvedModel } from '../routing/resolve';
import { runShadow, sampledForShadow } from '../routing/shadow';
import { sseData, SSE_DONE } from '../sse';
import { estimateChatInputTokens, estimateChatUsage } from '../tokens';
import type { GatewayDeps, RequestScope } from '../gateway';
import type { GatewayConfig } from '../config/schema';
import { METRICS } from '../observability';
import { ProviderError } from '../../providers/types';
import { parseBody } from './body';
import { attemptCount, gatewayHeaders, rateTokensOf, settleRequest, type RequestEnd, type RequestMoney } from './settle';

/** role-only chunks read ahead before the first content, at most */
const MAX_PREAMBLE_CHUNKS = 8;

export async function handleChat(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const body = parseBody(req.body, chatRequest);
  scope.model = body.model;
  scope.stream = Boolean(body.stream);
  const route = resolveModel(body.model, deps.config, tenant, deps.prices);
  refuseUnknownFields(body, route, deps.config);
  const policy = readPolicy(req.headers, body.metadata);
  const bounds = callBounds(body, deps.config);
  const admission = await deps.admission.admit({ tenant, route, bounds, rateTokens: rateTokensOf(req), receivedAt: req.receivedAt });
  const first = bounds(route.targets[0]!);
  const estimate = { inputTokens: first.inputTokens, outputTokens: first.outputCap };
  const deadline = new Deadline(deps.config.gateway.requestTimeoutMs, deps.clock.now(), req.signal);
  const cacheWrites = first.cacheWrites;
  const usageBound = (text: string, call: { provider: string; model: string }) => estimateChatUsage(body, text, typeOf(deps.config, call.provider), call.model);
  const bill = new Bill(admission.worstCase, deps.admission.operator(req.receivedAt), usageBound, cacheWrites === '1h');
  const money: RequestMoney = { bill, admission, deadline, route: 'chat', stream: scope.stream, };
  const end: RequestEnd & { unread?: () => void } = { status: 0 };
  scope.settle = async () => {
    end.unread?.();
    if (end.served && end.status === 200 && !scope.streamError) await shadowAfter(body, route, bounds, { ...money, served: end.served }, scope, deps);
    await settleRequest(scope, money, end, deps);
  };
  const execDeps = { ...deps, defaultTimeoutMs: deps.config.gateway.requestTimeoutMs, providerQuota: admission.providerQuota, abandonedCallMs: deps.config.gateway.abandonedCallMs };
  const capped = (target: PricedTarget) => withOutputCap(body, bounds(target).outputCap);

  if (body.stream) {
    let run: Executed<StreamStart>;
    const opts: ExecuteOptions<StreamStart> = { kind: 'stream', policy, estimate, bill, drain: drainStart };
    try {
      // Read up to the first chunk with content inside the attempt: until a byte has gone to the client a
      // failure can still fall over, and the role-only preamble tells the client nothing it needs yet.
      run = await executeWithFallback(route, deadline, execDeps, req.requestId, async (provider, target, attempt) => {
        const stream = await provider.chatStream(capped(target), target.model, { signal: attempt.signal, requestId: req.requestId });
        const iterator = stream[Symbol.asyncIterator]();
        const head: ChatCompletionChunk[] = [];
        let next = await iterator.next();
        while (!next.done && isPreamble(next.value) && head.length < MAX_PREAMBLE_CHUNKS) {
          head.push(next.value);
          next = await iterator.next();
        }
        return { iterator, head, next };
      }, opts);
    } catch (err) {
      end.status = err instanceof GatewayError ? err.status : 500;
      throw err;
    }
    end.served = run.call;
    end.status = 200;
    describeServed(scope, run);
    const response = streamResponse(body, run, scope, deps, admission);
    end.unread = response.unread;
    return response;
  }

  let run: Executed<ChatCompletion>;
  try {
    run = await executeWithFallback(route, deadline, execDeps, req.requestId, (provider, target, attempt) =>
      provider.chat(capped(target), target.model, { signal: attempt.signal, requestId: req.requestId }),
    { kind: 'chat', policy, estimate, bill, drain: async (completion) => completion.usage });
  } catch (err) {
    end.status = err instanceof GatewayError ? err.status : 500;
    throw err;
  }
  const completion = run.value;
  run.call.text = completionText(completion);
  // a provider that reports no usage is charged the bound of its input and of the text it answered
  run.call.finish(completion.usage ? { usage: completion.usage } : { cut: true }, 200);
  end.served = run.call;
  end.status = 200;
  describeServed(scope, run);
  firstByte(scope, deps);
  return jsonResponse(200, completion, { ...admission.headers, ...gatewayHeaders(run, run.call.costNanoUsd) });
}

/**
 * Per target: the bound of its input (core/tokens: the most that provider can bill for it) and the output cap
 * its call is sent (and its budgets reserve). Worked out once per target.
 */
function callBounds(body: ChatRequest, config: GatewayConfig): (target: PricedTarget) => CallBounds {
  const requested = maxOutputTokens(body);
  const cacheWrites = cacheWritesOf(body);
  const known = new Map<string, CallBounds>();
  return (target) => {
    const key = `${target.provider}/${target.model}`;
    let bounds = known.get(key);
    if (!bounds) {
      const provider = config.providers.find((p) => p.id === target.provider);
      const inputTokens = estimateChatInputTokens(body, provider?.type, target.model);
      bounds = { inputTokens, outputCap: requested ?? provider?.defaultMaxTokens ?? config.gateway.defaultMaxOutputTokens, cacheWrites };
      known.set(key, bounds);
    }
    return bounds;
  };
}

function typeOf(config: GatewayConfig, providerId: string): GatewayConfig['providers'][number]['type'] | undefined {
  return config.providers.find((p) => p.id === providerId)?.type;
}

/** The request as a provider gets it: the reserved output cap, under one name (providers map it to theirs). */
export function withOutputCap(body: ChatRequest, cap: number): ChatRequest {
  const { max_tokens: _other, ...rest } = body;
  return { ...rest, max_completion_tokens: cap };
}

/** prompt-cache breakpoints in the request: its input may be written to the cache, for an hour if any asks */
function cacheWritesOf(body: ChatRequest): CallBounds['cacheWrites'] {
  let writes: CallBounds['cacheWrites'];
  for (const m of body.messages) {
    if (!Array.isArray(m.content)) continue;
    for (const part of m.content) {
      const mark = 'cache_control' in part ? part.cache_control : undefined;
      if (mark) writes = mark.ttl === '1h' ? '1h' : (writes ?? '5m');
    }
  }
  return writes;
}

/**
 * Fields the gateway does not know would reach OpenAI-compatible providers as sent, where they may change what
 * a call costs: refused unless every such target's provider lets them through (`passthroughFields`).
 */
function refuseUnknownFields(body: ChatRequest, route: ResolvedModel, config: GatewayConfig): void {
  const unknown = unknownChatFields(body);
  if (!unknown.length) return;
  for (const target of route.targets) {
    const provider = config.providers.find((p) => p.id === target.provider);
    if (provider?.type !== 'openai') continue;
    const refused = unknown.filter((f) => !provider.passthroughFields?.includes(f));
    if (refused.length) {
      throw errors.invalidRequest(
        `Unsupported parameter${refused.length > 1 ? 's' : ''} ${refused.map((f) => `'${f}'`).join(', ')}: the gateway does not forward fields it cannot price. The operator can let a field through with the provider's "passthroughFields".`,
        refused[0],
      );
    }
  }
}

function describeServed(scope: RequestScope, run: Executed<unknown>): void {
  scope.provider = run.provider.id;
  scope.providerModel = run.target.model;
  scope.attempts = attemptCount(run);
}

/**
 * After the caller has the answer: mirror a sampled share of the alias's requests to its shadow target, on the
 * operator's account (a hold of its worst case first; no room, no shadow).
 */
async function shadowAfter(body: ChatRequest, route: ResolvedModel, bounds: (t: PricedTarget) => CallBounds, money: RequestMoney & { served: BilledCall }, scope: RequestScope, deps: GatewayDeps): Promise<void> {
  const alias = route.alias;
  if (!alias?.shadow || !sampledForShadow(alias, deps.resilience.random)) return;
  await runShadow(body, alias, { bounds, bill: money.bill, served: money.served }, scope, deps);
}

/** a chunk that only announces the assistant's role: nothing the client needs before the first content */
function isPreamble(chunk: ChatCompletionChunk): boolean {
  if (chunk.usage || chunk.choices.length === 0) return false;
  return chunk.choices.every((c) => !c.finish_reason && !c.delta.content && !c.delta.refusal && !c.delta.tool_calls?.length);
}

interface StreamStart {
  iterator: AsyncIterator<ChatCompletionChunk>;
  /** the preamble chunks read ahead, sent before `next` */
  head: ChatCompletionChunk[];
  /** the first chunk with content (or the end) */
  next: IteratorResult<ChatCompletionChunk>;
}

/** what a chunk adds to a call's record: its usage, and the text it carries (for an estimate if cut off) */
function note(call: BilledCall, chunk: ChatCompletionChunk): Usage | undefined {
  for (const choice of chunk.choices) {
    call.text += (choice.delta.content ?? '') + (choice.delta.refusal ?? '');
    for (const t of choice.delta.tool_calls ?? []) call.text += (t.function?.name ?? '') + (t.function?.arguments ?? '');
  }
  return chunk.usage ?? undefined;
}

/**
 * Read a stream nobody reads any more to its end (nothing is forwarded): the usage its provider reports.
 * `pending` is a chunk read and not yet noted; silence past the idle timeout cuts the call off.
 */
async function readToEnd(iterator: AsyncIterator<ChatCompletionChunk>, call: BilledCall, pending?: IteratorResult<ChatCompletionChunk>, signal?: { watchIdle(): void }): Promise<Usage | undefined> {
  let usage: Usage | undefined;
  let next = pending;
  for (;;) {
    if (next) {
      if (next.done) return usage;
      usage = note(call, next.value) ?? usage;
    }
    signal?.watchIdle();
    next = await iterator.next();
  }
}

/** an answer another call overtook: its head and first chunk, then the rest */
function drainStart(start: StreamStart, call: BilledCall): Promise<Usage | undefined> {
  const head = start.head.reduce<Usage | undefined>((u, chunk) => note(call, chunk) ?? u, undefined);
  return readToEnd(start.iterator, call, start.next).then((usage) => usage ?? head);
}

/**
 * Stream the answer as SSE. Once bytes have left, a failure cannot be hidden or restarted: it ends the
 * stream with an OpenAI-style error event (which the OpenAI SDKs raise) and no [DONE]. A client that leaves
 * mid-way stops the forwarding, not the call: the rest is read to its end for its usage.
 */
function streamResponse(body: ChatRequest, run: Executed<StreamStart>, scope: RequestScope, deps: GatewayDeps, admission: Admission): GatewayResponse & { unread: () => void } {
  const includeUsage = body.stream_options?.include_usage === true;
  const call = run.call;
  let usage: Usage | undefined;

  function frame(chunk: ChatCompletionChunk): string | undefined {
    usage = note(call, chunk) ?? usage;
    // the usage-only chunk was requested for pricing; pass it on only if the caller asked for it too
    const usageOnly = chunk.choices.length === 0 && chunk.usage;
    return !usageOnly || includeUsage ? sseData(includeUsage ? chunk : withoutUsage(chunk)) : undefined;
  }

  let started = false;
  async function* frames(): AsyncGenerator<string> {
    started = true;
    const { iterator, head } = run.value;
    // a chunk read and not yet framed
    let pending: IteratorResult<ChatCompletionChunk> | undefined = run.value.next;
    let failed = false;
    try {
      firstByte(scope, deps);
      for (const chunk of head) yield frame(chunk)!;
      while (pending && !pending.done) {
        const out = frame(pending.value);
        pending = undefined;
        if (out) yield out;
        run.signal.watchIdle();
        pending = await iterator.next();
      }
      run.signal.stopTimer();
      // a provider that reports no usage is charged the bound of its input and of the text it sent
      call.finish(usage ? { usage } : { cut: true }, 200);
      yield SSE_DONE;
    } catch (caught) {
      failed = true;
      const err = run.signal.explain(caught);
      reportLateFailure(deps, run, err);
      const failure = midStreamError(err);
      scope.streamError = failure.code;
      call.finish({ cut: true }, failure.status);
      deps.logger.warn('stream failed after it started', { requestId: scope.requestId, provider: run.provider.id, code: failure.code });
      yield sseData(failure.toBody());
    } finally {
      if (!call.over && !failed) {
        // the client left: the provider goes on (and bills) regardless, so read the rest for its usage
        void readToEnd(iterator, call, pending, run.signal).then(
          (reported) => call.finish((reported ?? usage) ? { usage: (reported ?? usage)! } : { cut: true }, 200),
          () => call.finish({ cut: true }, 200),
        );
      }
      void call.ended.then(() => run.signal.abort());
    }
  }

  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...admission.headers, ...gatewayHeaders(run) },
    body: frames(),
    // a body the front door never began to send (its write failed first): the call is read to its end all the same
    unread: () => {
      if (started || call.over) return;
      void drainStart(run.value, call).then(
        (reported) => call.finish(reported ? { usage: reported } : { cut: true }, 200),
        () => call.finish({ cut: true }, 200),
      );
      void call.ended.then(() => run.signal.abort());
    },
  };
}

/** the answer's first byte leaves now: what the p99 latency alarm reads (a long stream's length does not count) */
function firstByte(scope: RequestScope, deps: GatewayDeps): void {
  deps.metrics.add(METRICS.timeToFirstByte, deps.clock.now() - scope.receivedAt, 'Milliseconds');
}

function withoutUsage(chunk: ChatCompletionChunk): ChatCompletionChunk {
  if (!('usage' in chunk)) return chunk;
  const { usage: _drop, ...rest } = chunk;
  return rest as ChatCompletionChunk;
}

function midStreamError(err: unknown): GatewayError {
  if (err instanceof DeadlineExceeded) return new GatewayError(504, 'timeout', `The gateway deadline of ${err.ms} ms passed mid-stream.`);
  if (err instanceof ProviderError) return new GatewayError(502, 'upstream_error', `The provider failed mid-stream: ${err.message}`);
  return new GatewayError(502, 'upstream_error', 'The stream failed mid-way.');
}

function completionText(completion: ChatCompletion): string {
  return completion.choices.map((c) => c.message.content ?? JSON.stringify(c.message.tool_calls ?? '')).join('');
}
