// A fake Bedrock runtime on loopback, speaking what the AWS SDK speaks: REST-JSON for Converse and
// InvokeModel, errors named by x-amzn-errortype, and ConverseStream as real AWS event-stream frames
// (prelude with lengths and CRCs, :event-type / :message-type / :content-type headers). It checks SigV4's
// credential scope and the Converse rules (alternating roles starting with user, no blank text, tool results
// answering the previous turn's toolUse, toolConfig whenever tool blocks appear).
import type http from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { startCheckedFake, type FakeProvider } from './anthropic';
import { sendJson } from './upstream';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export interface BedrockRoute {
  modelId: string;
  action: 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream' | 'count-tokens';
}

export function bedrockRoute(path: string): BedrockRoute | undefined {
  const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$/.exec(path);
  return match ? { modelId: decodeURIComponent(match[1]!), action: match[2] as BedrockRoute['action'] } : undefined;
}

interface Block {
  text?: string;
  toolUse?: { toolUseId: string };
  toolResult?: { toolUseId: string };
}

export function startFakeBedrock(opts: { accessKeyId: string; region: string }): Promise<FakeProvider> {
  return startCheckedFake(
    (req) => {
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('AWS4-HMAC-SHA256 ')) return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
      const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
      if (!scope || scope[1] !== opts.accessKeyId) return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
      if (scope[2] !== opts.region || scope[3] !== 'bedrock') return { status: 403, type: 'InvalidSignatureException', message: `Credential should be scoped to a valid region and service: ${scope[2]}/${scope[3]}` };
      const route = bedrockRoute(req.path);
      if (req.method !== 'POST' || !route) return { status: 404, type: 'UnknownOperationException', message: `no route ${req.path}` };
      if (route.action === 'count-tokens') {
        const invoke = (req.body as { input?: { invokeModel?: { body?: string } } })?.input?.invokeModel?.body;
        if (!invoke) return invalid('input.invokeModel.body is required');
        return /anthropic\.claude/.test(route.modelId) ? checkClaudeBody(JSON.parse(Buffer.from(invoke, 'base64').toString('utf8'))) : undefined;
      }
      if (route.action === 'invoke' || route.action === 'invoke-with-response-stream') return /anthropic\.claude/.test(route.modelId) ? checkClaudeBody(req.body) : undefined;
      const body = req.body as { messages?: Array<{ role: string; content: Block[] }>; toolConfig?: unknown; inferenceConfig?: { temperature?: number } };
      const temperature = body.inferenceConfig?.temperature;
      if (temperature !== undefined && (temperature < 0 || temperature > 1)) return invalid('temperature: must be between 0 and 1');
      let previous: { role: string; content: Block[] } | undefined;
      for (const m of body.messages ?? []) {
        if (!previous && m.role !== 'user') return invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
        if (previous?.role === m.role) return invalid('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
        if (m.content.some((b) => b.text !== undefined && !b.text.trim())) return invalid('The text field in the ContentBlock object is blank. Add text to the text field, and try again.');
        const hasTools = m.content.some((b) => b.toolUse || b.toolResult);
        if (hasTools && !body.toolConfig) return invalid('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
        const uses = new Set(previous?.content.flatMap((b) => (b.toolUse ? [b.toolUse.toolUseId] : [])) ?? []);
        for (const b of m.content) if (b.toolResult && !uses.has(b.toolResult.toolUseId)) return invalid(`toolResult ${b.toolResult.toolUseId} does not answer a toolUse of the previous turn`);
        previous = m;
      }
      return undefined;
    },
    (res, p) => sendBedrockError(res, p.status, p.type, p.message),
  );
}

function invalid(message: string) {
  return { status: 400, type: 'ValidationException', message };
}

/** what Bedrock's Claude takes in an InvokeModel body: anything else is "extraneous", and the version is required */
const CLAUDE_KEYS = new Set(['anthropic_version', 'anthropic_beta', 'max_tokens', 'messages', 'system', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice', 'thinking', 'output_config', 'context_management']);

function checkClaudeBody(body: unknown) {
  const b = body as Record<string, unknown>;
  if (b?.anthropic_version !== 'bedrock-2023-05-31') return invalid('anthropic_version: required, bedrock-2023-05-31');
  const extraneous = Object.keys(b).find((k) => !CLAUDE_KEYS.has(k));
  if (extraneous) return invalid(`extraneous key [${extraneous}] is not permitted`);
  const messages = b.messages as Array<{ role: string }> | undefined;
  if (!messages?.length) return invalid('messages: required');
  if (messages.some((m) => m.role !== 'user' && m.role !== 'assistant')) return invalid('messages: roles are user and assistant');
  return undefined;
}

/** An AWS REST-JSON error: the type in x-amzn-errortype, the message in the body. */
export function sendBedrockError(res: http.ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'fake-request-id' });
}

export const BEDROCK_USAGE = { inputTokens: 80, outputTokens: 20, totalTokens: 1600, cacheReadInputTokens: 1200, cacheWriteInputTokens: 300 };

export function converseAnswer(content: unknown[], stopReason: string, usage = BEDROCK_USAGE) {
  return { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 42 } };
}

export function sendConverse(res: http.ServerResponse, body: unknown): void {
  sendJson(res, 200, body, { 'x-amzn-requestid': 'conv-req-1' });
}

function header(value: string) {
  return { type: 'string' as const, value };
}

/** One ConverseStream event, encoded as an AWS event-stream message. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: { ':event-type': header(eventType), ':message-type': header('event'), ':content-type': header('application/json') },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** A modeled exception inside the stream (throttlingException, modelStreamErrorException, …). */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: { ':exception-type': header(exceptionType), ':message-type': header('exception'), ':content-type': header('application/json') },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

export async function sendEventStream(res: http.ServerResponse, frames: Uint8Array[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'stream-req-1' });
  for (const frame of frames) {
    res.write(frame);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

export function textStreamFrames(words: string[], usage = BEDROCK_USAGE): Uint8Array[] {
  return [
    eventFrame('messageStart', { role: 'assistant' }),
    ...words.map((text) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
    eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
    eventFrame('messageStop', { stopReason: 'end_turn' }),
    eventFrame('metadata', { usage, metrics: { latencyMs: 42 } }),
  ];
}

/** One InvokeModelWithResponseStream chunk: the model's own event (Claude: an Anthropic stream event) as bytes. */
export function chunkFrame(payload: unknown): Uint8Array {
  return eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(payload)).toString('base64') });
}
