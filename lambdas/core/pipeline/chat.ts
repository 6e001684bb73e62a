// POST /v1/chat/completions: who → what → which targets → call (falling over) → answer → settle.
import type { Admission } from '../admission/admit';
import { chatRequest, maxOutputTokens, type ChatRequest } from '../openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../openai/chat-response';
import { ClientGone, Deadline, DeadlineExceeded } from '../deadline';
import { errors, GatewayError } from '../errors';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { executeWithFallback, reportLateFailure, type Executed, type ExecuteOptions } from '../routing/execute';
import { readPolicy } from '../routing/policy';
import { resolveModel, type ResolvedModel } from '../routing/resolve';
import { runShadow, sampledForShadow } from '../routing/shadow';
import { sseData, SSE_DONE } from '../sse';
import { estimateChatInputTokens, estimateChatUsage } from '../tokens';
import type { GatewayDeps, RequestScope } from '../gateway';
import { METRICS } from '../observability';
import { ProviderError } from '../../providers/types';
import { parseBody } from './body';
import { gatewayHeaders, settle } from './settle';

/** role-only chunks read ahead before the first content, at most */
const MAX_PREAMBLE_CHUNKS = 8;

export async function handleChat(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const body = parseBody(req.body, chatRequest);
  scope.model = body.model;
  scope.stream = Boolean(body.stream);
  const route = resolveModel(body.model, deps.config, tenant);
  const policy = readPolicy(req.headers, body.metadata);
  const estimate = { inputTokens: estimateChatInputTokens(body), outputTokens: maxOutputTokens(body) ?? deps.config.gateway.defaultMaxOutputTokens };
  const admission = await deps.admission.admit({ tenant, route, inputTokens: estimate.inputTokens, maxOutputTokens: estimate.outputTokens, receivedAt: req.receivedAt });
  const deadline = new Deadline(deps.config.gateway.requestTimeoutMs, deps.clock.now(), req.signal);
  const execDeps = { ...deps, defaultTimeoutMs: deps.config.gateway.requestTimeoutMs, providerQuota: admission.providerQuota };

  if (body.stream) {
    let run: Executed<StreamStart>;
    const opts: ExecuteOptions<StreamStart> = { kind: 'stream', policy, estimate, discard: (start) => void start.iterator.return?.()?.catch(() => undefined) };
    try {
      // Read up to the first chunk with content inside the attempt: until a byte has gone to the client a
      // failure can still fall over, and the role-only preamble tells the client nothing it needs yet.
      run = await executeWithFallback(route, deadline, execDeps, req.requestId, async (provider, target, attempt) => {
        const stream = await provider.chatStream(body, target.model, { signal: attempt.signal, requestId: req.requestId });
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
      deadline.clear();
      await admission.release();
      throw err;
    }
    return streamResponse(body, route, run, deadline, scope, deps, admission);
  }

  try {
    const run = await executeWithFallback(route, deadline, execDeps, req.requestId, (provider, target, attempt) =>
      provider.chat(body, target.model, { signal: attempt.signal, requestId: req.requestId }),
    { kind: 'chat', policy, estimate });
    const completion = run.value;
    const text = completionText(completion);
    const usage = completion.usage ?? estimateChatUsage(body, text);
    const settled = settle(scope, run, usage, deps, { route: 'chat', stream: false, status: 200 }, admission);
    firstByte(scope, deps);
    return {
      ...jsonResponse(200, completion, { ...admission.headers, ...gatewayHeaders(run, settled.costNanoUsd) }),
      after: async () => {
        await settled.record();
        await shadowAfter(body, route, run, text, settled.costNanoUsd, scope, deps);
      },
    };
  } catch (err) {
    await admission.release();
    throw err;
  } finally {
    deadline.clear();
  }
}

/** After the caller has the answer: mirror a sampled share of the alias's requests to its shadow target. */
function shadowAfter(body: ChatRequest, route: ResolvedModel, run: Executed<unknown>, text: string, cost: number, scope: RequestScope, deps: GatewayDeps): Promise<void> {
  if (!route.alias || !sampledForShadow(route.alias, deps.resilience.random)) return Promise.resolve();
  const primary = { provider: run.provider.id, model: run.target.model, latencyMs: deps.clock.now() - scope.receivedAt, costNanoUsd: cost, chars: text.length };
  return runShadow(body, route.alias, primary, scope.requestId, deps);
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

/**
 * Stream the answer as SSE. Once bytes have left, a failure cannot be hidden or restarted: it ends the
 * stream with an OpenAI-style error event (which the OpenAI SDKs raise) and no [DONE].
 */
function streamResponse(
  body: ChatRequest,
  route: ResolvedModel,
  run: Executed<StreamStart>,
  deadline: Deadline,
  scope: RequestScope,
  deps: GatewayDeps,
  admission: Admission,
): GatewayResponse {
  const includeUsage = body.stream_options?.include_usage === true;
  let usage: Usage | undefined;
  let text = '';
  let finished = false;

  function frame(chunk: ChatCompletionChunk): string | undefined {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) text += choice.delta.content ?? '';
    // the usage-only chunk was requested for pricing; pass it on only if the caller asked for it too
    const usageOnly = chunk.choices.length === 0 && chunk.usage;
    return !usageOnly || includeUsage ? sseData(includeUsage ? chunk : withoutUsage(chunk)) : undefined;
  }

  async function* frames(): AsyncGenerator<string> {
    const { iterator, head } = run.value;
    try {
      firstByte(scope, deps);
      for (const chunk of head) yield frame(chunk)!;
      let next = run.value.next;
      while (!next.done) {
        const out = frame(next.value);
        if (out) yield out;
        run.signal.watchIdle();
        next = await iterator.next();
      }
      finished = true;
      yield SSE_DONE;
    } catch (caught) {
      const err = run.signal.explain(caught);
      reportLateFailure(deps, run, err);
      const failure = midStreamError(err);
      scope.streamError = failure.code;
      deps.logger.warn('stream failed after it started', { requestId: scope.requestId, provider: run.provider.id, code: failure.code });
      yield sseData(failure.toBody());
    } finally {
      // the client may have left: stop the upstream so it stops generating (and charging)
      run.signal.abort();
      if (!finished) void iterator.return?.();
      deadline.clear();
    }
  }

  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...admission.headers, ...gatewayHeaders(run) },
    body: frames(),
    after: async () => {
      // a stream cut short never reported usage: charge what was produced, estimated
      const settled = settle(scope, run, usage ?? estimateChatUsage(body, text), deps, {
        route: 'chat',
        stream: true,
        status: scope.streamError ? 502 : 200,
      }, admission);
      await settled.record();
      if (!scope.streamError) await shadowAfter(body, route, run, text, settled.costNanoUsd, scope, deps);
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
  if (err instanceof ClientGone) return errors.clientClosed();
  if (err instanceof DeadlineExceeded) return new GatewayError(504, 'timeout', `The gateway deadline of ${err.ms} ms passed mid-stream.`);
  if (err instanceof ProviderError) return new GatewayError(502, 'upstream_error', `The provider failed mid-stream: ${err.message}`);
  return new GatewayError(502, 'upstream_error', 'The stream failed mid-way.');
}

function completionText(completion: ChatCompletion): string {
  return completion.choices.map((c) => c.message.content ?? JSON.stringify(c.message.tool_calls ?? '')).join('');
}
