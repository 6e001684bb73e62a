// POST /v1/chat/completions: who → what → which targets → call (falling over) → answer → settle.
import type { Admission } from '../admission/admit';
import { chatRequest, maxOutputTokens, type ChatRequest } from '../openai/chat-request';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../openai/chat-response';
import { ClientGone, Deadline, DeadlineExceeded } from '../deadline';
import { errors, GatewayError } from '../errors';
import { jsonResponse, type GatewayRequest, type GatewayResponse } from '../http';
import { executeWithFallback, type Executed } from '../routing/execute';
import { resolveModel } from '../routing/resolve';
import { sseData, SSE_DONE } from '../sse';
import { estimateChatInputTokens, estimateTextTokens } from '../tokens';
import type { GatewayDeps, RequestScope } from '../gateway';
import { ProviderError } from '../../providers/types';
import { parseBody } from './body';
import { gatewayHeaders, settle } from './settle';

export async function handleChat(req: GatewayRequest, scope: RequestScope, deps: GatewayDeps): Promise<GatewayResponse> {
  const tenant = await deps.tenants.identify(req);
  scope.tenant = tenant.id;
  const body = parseBody(req.body, chatRequest);
  scope.model = body.model;
  scope.stream = Boolean(body.stream);
  const route = resolveModel(body.model, deps.config, tenant);
  const admission = await deps.admission.admit({
    tenant,
    route,
    inputTokens: estimateChatInputTokens(body),
    maxOutputTokens: maxOutputTokens(body) ?? deps.config.gateway.defaultMaxOutputTokens,
    receivedAt: req.receivedAt,
  });
  const deadline = new Deadline(deps.config.gateway.requestTimeoutMs, deps.clock.now(), req.signal);
  const execDeps = { ...deps, defaultTimeoutMs: deps.config.gateway.requestTimeoutMs, providerQuota: admission.providerQuota };

  if (body.stream) {
    let run: Executed<StreamStart>;
    try {
      // the first chunk is read inside the attempt: until then a failure can still fall over
      run = await executeWithFallback(route, deadline, execDeps, req.requestId, async (provider, target, attempt) => {
        const stream = await provider.chatStream(body, target.model, { signal: attempt.signal, requestId: req.requestId });
        const iterator = stream[Symbol.asyncIterator]();
        const first = await iterator.next();
        return { iterator, first };
      });
    } catch (err) {
      deadline.clear();
      await admission.release();
      throw err;
    }
    return streamResponse(body, run, deadline, scope, deps, admission);
  }

  try {
    const run = await executeWithFallback(route, deadline, execDeps, req.requestId, (provider, target, attempt) =>
      provider.chat(body, target.model, { signal: attempt.signal, requestId: req.requestId }),
    );
    const completion = run.value;
    const usage = completion.usage ?? estimateUsage(body, completionText(completion));
    const settled = settle(scope, run, usage, deps, { route: 'chat', stream: false, status: 200 }, admission);
    return {
      ...jsonResponse(200, completion, { ...admission.headers, ...gatewayHeaders(run, settled.costNanoUsd) }),
      after: settled.record,
    };
  } catch (err) {
    await admission.release();
    throw err;
  } finally {
    deadline.clear();
  }
}

interface StreamStart {
  iterator: AsyncIterator<ChatCompletionChunk>;
  first: IteratorResult<ChatCompletionChunk>;
}

/**
 * Stream the answer as SSE. Once bytes have left, a failure cannot be hidden or restarted: it ends the
 * stream with an OpenAI-style error event (which the OpenAI SDKs raise) and no [DONE].
 */
function streamResponse(
  body: ChatRequest,
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

  async function* frames(): AsyncGenerator<string> {
    const { iterator, first } = run.value;
    try {
      let next = first;
      while (!next.done) {
        const chunk = next.value;
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices) text += choice.delta.content ?? '';
        // the usage-only chunk was requested for pricing; pass it on only if the caller asked for it too
        const usageOnly = chunk.choices.length === 0 && chunk.usage;
        if (!usageOnly || includeUsage) yield sseData(includeUsage ? chunk : withoutUsage(chunk));
        next = await iterator.next();
      }
      finished = true;
      yield SSE_DONE;
    } catch (caught) {
      const err = run.signal.explain(caught);
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
    after: () => {
      // a stream cut short never reported usage: charge what was produced, estimated
      const settled = settle(scope, run, usage ?? estimateUsage(body, text), deps, {
        route: 'chat',
        stream: true,
        status: scope.streamError ? 502 : 200,
      }, admission);
      return settled.record();
    },
  };
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

function estimateUsage(req: ChatRequest, output: string): Usage {
  const prompt = estimateChatInputTokens(req);
  const completion = estimateTextTokens(output);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
