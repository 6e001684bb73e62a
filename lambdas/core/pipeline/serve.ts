// The pipeline every front door shares (lambdas/doors): who → what → which targets → bounds and admission →
// call (falling over) → answer in the door's format → settle every call the request made, after the response.
import { Bill, type BilledCall } from '../admission/bill';
import { audioRated } from '../pricing/cost';
import type { CallBounds } from '../admission/admit';
import { maxOutputTokens, unknownChatFields, type ChatRequest } from '../openai/chat-request';
import type { Usage } from '../openai/chat-response';
import { Deadline, DeadlineExceeded } from '../deadline';
import { errors, GatewayError } from '../errors';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { executeWithFallback, reportLateFailure, type Executed, type ExecuteOptions } from '../routing/execute';
import { readPolicy } from '../routing/policy';
import { resolveModel, type PricedTarget, type ResolvedModel } from '../routing/resolve';
import { runShadow, sampledForShadow } from '../routing/shadow';
import { estimateChatInputTokens, estimateChatUsage } from '../tokens';
import type { GatewayDeps, RequestScope } from '../gateway';
import type { GatewayConfig } from '../config/schema';
import { METRICS } from '../observability';
import { ProviderError, type CallOptions, type Provider } from '../../providers/types';
import type { LedgerEntry } from '../ports';
import { serveHit } from '../cache/replay';
import { guardedPieces, guardInput, guardrailHeaders, outputAsSent } from '../guardrails';
import { attemptCount, gatewayHeaders, rateTokensOf, settleRequest, type RequestEnd, type RequestMoney } from './settle';
import { PayloadCapture } from '../history/payloads';

/** pieces read ahead before the first with content, at most */
const MAX_PREAMBLE_PIECES = 8;

/** What a door's request is to the core: its chat view (routing, estimates, calls to translated targets). */
export interface DoorRequest {
  /** the request as the core sees it, in OpenAI Chat Completions form */
  chat: ChatRequest;
  stream: boolean;
  /**
   * input tokens a target receives beyond the chat view (items only a target that speaks the door's API
   * natively is sent, e.g. reasoning items): added to that target's input bound
   */
  extraInputTokens?(provider: GatewayConfig['providers'][number] | undefined): number;
  /** set by the pipeline under output guardrails: masks an answer object in place (a door that stores answers calls it first) */
  guardOutput?(answer: unknown): void;
}

/** What a door's parse may need beyond the body: who is calling, and the gateway's stores. */
export interface DoorContext {
  req: GatewayRequest;
  tenantId: string;
  requestId: string;
  receivedAt: number;
  deps: GatewayDeps;
}

/** One call's whole answer, in the door's wire form, with what it cost and said. */
export interface DoorAnswer {
  body: unknown;
  /** the usage the provider reported; undefined: none (the call is charged its bound) */
  usage?: Usage;
  /** the answer's text, for the estimate of a call without usage and for shadows */
  text: string;
  /** work that must be done before the client has this answer (the one the request serves, never a loser's) */
  commit?(): Promise<void>;
}

/** One piece of a streamed answer, in the door's wire form. */
export interface DoorPiece {
  /** the SSE frame(s) it sends the client; undefined: nothing to send (usage the client did not ask for) */
  frame?: string;
  usage?: Usage;
  text?: string;
  /** it carries content: the pieces before it (the preamble) are read ahead, inside the attempt */
  content: boolean;
  /** work that must be done before this piece's frame is sent (the served stream's, never a loser's) */
  commit?(): Promise<void>;
  /** the door's own record of its stream so far: what `failure` needs to end it in the door's form */
  state?: unknown;
}

/**
 * A front door: a wire format in, the core's pipeline, the same wire format out. The pipeline (serveDoor) owns
 * everything money and resilience: tenants, limits, budgets, routing, fallbacks, the bill; a door owns its
 * format and how it calls a target (natively where the target speaks it, else through the chat core).
 */
export interface Door<R extends DoorRequest = DoorRequest> {
  /** the ledger route of its requests */
  readonly route: LedgerEntry['route'];
  /** the request's body, checked; `ctx` for what the door reads beside it (headers such as anthropic-beta, the tenant's stored turns) */
  parse(body: string | undefined, ctx: DoorContext): R | Promise<R>;
  /** one call to a target for a whole answer, sent `cap` as its output cap */
  complete(provider: Provider, target: PricedTarget, req: R, cap: number, opts: CallOptions): Promise<DoorAnswer>;
  /** one call to a target for a streamed answer */
  stream(provider: Provider, target: PricedTarget, req: R, cap: number, opts: CallOptions): Promise<AsyncIterable<DoorPiece>>;
  /** the frames that end a stream that finished */
  closing(): string[];
  /** the frame that ends a stream that failed after bytes left (no status can change any more); `last`: the last piece sent */
  failure(err: GatewayError, ctx: { requestId: string; last?: DoorPiece }): string;
  /** an error before the answer, in the door's shape (default: OpenAI's `{"error":{…}}`) */
  error?(err: GatewayError, requestId: string): GatewayResponse;
}

/** who → what → which targets → bounds and admission → call (falling over) → answer → settle, for any door */
export async function serveDoor<R extends DoorRequest>(door: Door<R>, req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const parsed = await door.parse(req.body, { req, tenantId: tenant.id, requestId: req.requestId, receivedAt: req.receivedAt, deps });
  const body = parsed.chat;
  scope.model = body.model;
  scope.stream = parsed.stream;
  // before anything is admitted or sent: a refusal changes no counter, a mask reaches every target's body
  const guard = await guardInput(parsed, tenant, deps, scope);
  if (guard?.outputPolicies.length) parsed.guardOutput = (answer) => guard.maskAnswer(answer);
  const route = audioPriced(resolveModel(body.model, deps.config, tenant, deps.prices), body);
  refuseUnknownFields(body, route, deps.config);
  const policy = readPolicy(req.headers, body.metadata);
  const bounds = callBounds(body, deps.config, parsed.extraInputTokens);
  // the cache read runs beside admission: a miss adds no round trip (lambdas/core/cache; undefined: alias not cached);
  // keyed after the input checks, and per set of output policies (an answer any output check acted on is not kept)
  const cache = deps.cache?.open(door.route, parsed, route, tenant.id, req.headers, req.requestId, guard?.outputPolicies.map((p) => p.name).join(','));
  const [admission, hit] = await Promise.all([deps.admission.admit({ tenant, route, bounds, rateTokens: rateTokensOf(req), receivedAt: req.receivedAt }), cache?.lookup]);
  const first = bounds(route.targets[0]!);
  if (hit && cache) {
    const response = await serveHit(hit, { door, parsed, admission, cap: first.outputCap, chargeShare: cache.config.chargeShare, alias: cache.alias }, scope, deps);
    Object.assign(response.headers, guardrailHeaders(guard));
    return response;
  }
  const estimate = { inputTokens: first.inputTokens, outputTokens: first.outputCap };
  const deadline = new Deadline(deps.config.gateway.requestTimeoutMs, deps.clock.now(), req.signal);
  const cacheWrites = first.cacheWrites;
  const usageBound = (text: string, call: { provider: string; model: string }) => withExtraInput(estimateChatUsage(body, text, typeOf(deps.config, call.provider), call.model), parsed.extraInputTokens?.(deps.config.providers.find((p) => p.id === call.provider)));
  const bill = new Bill(admission.worstCase, deps.admission.operator(req.receivedAt), usageBound, cacheWrites === '1h');
  const money: RequestMoney = { bill, admission, deadline, route: door.route, stream: scope.stream, ...(cache ? { cache: { status: cache.status } } : {}) };
  const end: RequestEnd & { unread?: () => void } = { status: 0 };
  // payload logging (core/history/payloads.ts): undefined, and nothing more done, when the tenant's is off
  const payload = PayloadCapture.of({ mode: tenant.payloadLogging, tenantId: tenant.id, requestId: req.requestId, receivedAt: req.receivedAt, route: door.route, stream: parsed.stream, rawBody: req.body, sent: () => parsed.chat });
  scope.settle = async () => {
    end.unread?.();
    if (guard?.items().length) scope.guardrails = guard.items();
    if (end.served && end.status === 200 && !scope.streamError) await shadowAfter(body, route, bounds, { ...money, served: end.served }, scope, deps);
    // before the entry, which names it only once it is written; a request that made no call has no entry
    if (payload && bill.calls.length) {
      await end.served?.ended;
      if (await payload.write(deps.payloads, { status: end.status, text: parsed.stream ? outputAsSent(guard, end.served?.text) : end.served?.text, streamError: scope.streamError }, deps)) end.payloadKey = payload.key;
    }
    await settleRequest(scope, money, end, deps);
    if (cache && end.served && end.status === 200 && !scope.streamError && !guard?.items().some((item) => item.includes(':output-'))) await cache.store(end.served);
  };
  const execDeps = { ...deps, defaultTimeoutMs: deps.config.gateway.requestTimeoutMs, providerQuota: admission.providerQuota, abandonedCallMs: deps.config.gateway.abandonedCallMs };
  const callOpts = (attempt: { signal: AbortSignal }) => ({ signal: attempt.signal, requestId: req.requestId });

  if (parsed.stream) {
    let run: Executed<StreamStart>;
    const opts: ExecuteOptions<StreamStart> = { kind: 'stream', policy, estimate, bill, drain: drainStart };
    try {
      // Read up to the first piece with content inside the attempt: until a byte has gone to the client a
      // failure can still fall over, and the preamble tells the client nothing it needs yet.
      run = await executeWithFallback(route, deadline, execDeps, req.requestId, async (provider, target, attempt) => {
        const stream = guardedPieces(await door.stream(cache ? cache.recorder.wrap(provider, target.model) : provider, target, parsed, bounds(target).outputCap, callOpts(attempt)), guard);
        const iterator = stream[Symbol.asyncIterator]();
        const head: DoorPiece[] = [];
        let next = await iterator.next();
        while (!next.done && !next.value.content && head.length < MAX_PREAMBLE_PIECES) {
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
    const response = streamResponse(door, run, scope, deps, { ...admission.headers, ...guardrailHeaders(guard) });
    if (cache) response.headers['x-gateway-cache'] = cache.status;
    end.unread = response.unread;
    return response;
  }

  let run: Executed<DoorAnswer>;
  try {
    run = await executeWithFallback(route, deadline, execDeps, req.requestId, (provider, target, attempt) =>
      door.complete(cache ? cache.recorder.wrap(provider, target.model) : provider, target, parsed, bounds(target).outputCap, callOpts(attempt)),
    { kind: 'chat', policy, estimate, bill, drain: async (answer) => answer.usage });
  } catch (err) {
    end.status = err instanceof GatewayError ? err.status : 500;
    throw err;
  }
  const answer = run.value;
  run.call.text = answer.text;
  // a provider that reports no usage is charged the bound of its input and of the text it answered
  run.call.finish(answer.usage ? { usage: answer.usage } : { cut: true }, 200);
  end.served = run.call;
  end.status = 200;
  describeServed(scope, run);
  await guard?.answer(answer.body);
  await answer.commit?.();
  payload?.answered(answer.body);
  firstByte(scope, deps);
  return jsonResponse(200, answer.body, { ...admission.headers, ...gatewayHeaders(run, run.call.costNanoUsd), ...guardrailHeaders(guard), ...(cache ? { 'x-gateway-cache': cache.status } : {}) });
}

/**
 * Per target: the bound of its input (core/tokens: the most that provider can bill for it) and the output cap
 * its call is sent (and its budgets reserve). Worked out once per target.
 */
function callBounds(body: ChatRequest, config: GatewayConfig, extraInputTokens?: DoorRequest['extraInputTokens']): (target: PricedTarget) => CallBounds {
  const requested = maxOutputTokens(body);
  const cacheWrites = cacheWritesOf(body);
  const known = new Map<string, CallBounds>();
  return (target) => {
    const key = `${target.provider}/${target.model}`;
    let bounds = known.get(key);
    if (!bounds) {
      const provider = config.providers.find((p) => p.id === target.provider);
      const inputTokens = estimateChatInputTokens(body, provider?.type, target.model) + (extraInputTokens?.(provider) ?? 0);
      bounds = { inputTokens, outputCap: requested ?? provider?.defaultMaxTokens ?? config.gateway.defaultMaxOutputTokens, cacheWrites };
      known.set(key, bounds);
    }
    return bounds;
  };
}

/** a usage bound with the input only a native target receives added */
function withExtraInput(usage: Usage, extra: number | undefined): Usage {
  if (!extra) return usage;
  return { ...usage, prompt_tokens: usage.prompt_tokens + extra, total_tokens: usage.total_tokens + extra };
}

function typeOf(config: GatewayConfig, providerId: string): GatewayConfig['providers'][number]['type'] | undefined {
  return config.providers.find((p) => p.id === providerId)?.type;
}

/** a request that sends audio is priced at each target's audio input rate (docs/money.md) */
function audioPriced(route: ResolvedModel, body: ChatRequest): ResolvedModel {
  const audio = body.messages.some((m) => m.role === 'user' && Array.isArray(m.content) && m.content.some((p) => p.type === 'input_audio'));
  return audio ? { ...route, targets: route.targets.map((t) => ({ ...t, price: audioRated(t.price) })) } : route;
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

interface StreamStart {
  iterator: AsyncIterator<DoorPiece>;
  /** the preamble pieces read ahead, sent before `next` */
  head: DoorPiece[];
  /** the first piece with content (or the end) */
  next: IteratorResult<DoorPiece>;
}

/** what a piece adds to a call's record: its usage, and the text it carries (for an estimate if cut off) */
function note(call: BilledCall, piece: DoorPiece): Usage | undefined {
  if (piece.text) call.text += piece.text;
  return piece.usage;
}

/**
 * Read a stream nobody reads any more to its end (nothing is forwarded): the usage its provider reports.
 * `pending` is a chunk read and not yet noted; silence past the idle timeout cuts the call off.
 */
async function readToEnd(iterator: AsyncIterator<DoorPiece>, call: BilledCall, pending?: IteratorResult<DoorPiece>, signal?: { watchIdle(): void }): Promise<Usage | undefined> {
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
  const head = start.head.reduce<Usage | undefined>((u, piece) => note(call, piece) ?? u, undefined);
  return readToEnd(start.iterator, call, start.next).then((usage) => usage ?? head);
}

/**
 * Stream the answer as SSE. Once bytes have left, a failure cannot be hidden or restarted: it ends the
 * stream with the door's error event (which the door's SDKs raise) and no closing frames. A client that leaves
 * mid-way stops the forwarding, not the call: the rest is read to its end for its usage.
 */
function streamResponse<R extends DoorRequest>(door: Door<R>, run: Executed<StreamStart>, scope: RequestScope, deps: GatewayDeps, headers: Record<string, string>): GatewayResponse & { unread: () => void } {
  const call = run.call;
  let usage: Usage | undefined;
  let last: DoorPiece | undefined;

  function frame(piece: DoorPiece): string | undefined {
    usage = note(call, piece) ?? usage;
    last = piece;
    return piece.frame;
  }

  let started = false;
  async function* frames(): AsyncGenerator<string> {
    started = true;
    const { iterator, head } = run.value;
    // a piece read and not yet framed
    let pending: IteratorResult<DoorPiece> | undefined = run.value.next;
    let failed = false;
    try {
      firstByte(scope, deps);
      for (const piece of head) {
        if (piece.commit) await piece.commit();
        const out = frame(piece);
        if (out) yield out;
      }
      while (pending && !pending.done) {
        if (pending.value.commit) await pending.value.commit();
        const out = frame(pending.value);
        pending = undefined;
        if (out) yield out;
        run.signal.watchIdle();
        pending = await iterator.next();
      }
      run.signal.stopTimer();
      // a provider that reports no usage is charged the bound of its input and of the text it sent
      call.finish(usage ? { usage } : { cut: true }, 200);
      for (const closing of door.closing()) yield closing;
    } catch (caught) {
      failed = true;
      const err = run.signal.explain(caught);
      reportLateFailure(deps, run, err);
      const failure = midStreamError(err);
      scope.streamError = failure.code;
      call.finish({ cut: true }, failure.status);
      deps.logger.warn('stream failed after it started', { requestId: scope.requestId, provider: run.provider.id, code: failure.code });
      yield door.failure(failure, { requestId: scope.requestId, last });
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
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers, ...gatewayHeaders(run) },
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
  scope.firstByteMs = deps.clock.now() - scope.receivedAt;
  deps.metrics.add(METRICS.timeToFirstByte, scope.firstByteMs, 'Milliseconds');
}

function midStreamError(err: unknown): GatewayError {
  // the gateway's own verdict (an output guardrail stopped the answer) as it is
  if (err instanceof GatewayError) return err;
  if (err instanceof DeadlineExceeded) return new GatewayError(504, 'timeout', `The gateway deadline of ${err.ms} ms passed mid-stream.`);
  // the provider's error stays its cause: a door can tell the client what kind of failure it was (overloaded…)
  if (err instanceof ProviderError) return Object.assign(new GatewayError(502, 'upstream_error', `The provider failed mid-stream: ${err.message}`), { cause: err });
  return new GatewayError(502, 'upstream_error', 'The stream failed mid-way.');
}
