// OpenAI chat request → Gemini generateContent request: turns to `contents` with roles user/model, system
// messages to `systemInstruction`, tools to `functionDeclarations` (full JSON Schema, as
// parametersJsonSchema), tool results to `functionResponse` parts, sampling and response_format to
// `generationConfig`.
import { maxOutputTokens, type ChatMessage, type ChatRequest, type UserContentPart } from '../../core/openai/chat-request';
import type { ProviderConfig } from '../../core/config/schema';
import { ProviderError } from '../types';
import { fileDataOf, instructionTexts, parseDataUrl, toolArguments, toolNamesById, toTurns, type BlockWriters } from '../shared/messages';
import { applyParams, stopList, type ParamRule } from '../shared/params';
import { parseJsonOrUndefined } from '../shared/transport';
import { geminiResource } from './endpoint';
import { signatureOf } from './tool-ids';

export interface GeminiPart {
  text?: string;
  /** a thought summary, not part of the answer */
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
  functionResponse?: { name: string; response: Record<string, unknown> };
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parametersJsonSchema?: Record<string, unknown> }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: Record<string, unknown>;
}

export const GEMINI_PARAMS: readonly ParamRule[] = [
  { from: 'temperature', to: 'generationConfig.temperature' },
  { from: 'top_p', to: 'generationConfig.topP' },
  { from: 'top_k', to: 'generationConfig.topK' },
  { from: maxOutputTokens, to: 'generationConfig.maxOutputTokens' },
  { from: 'stop', to: 'generationConfig.stopSequences', transform: stopList },
  { from: 'seed', to: 'generationConfig.seed' },
  { from: 'presence_penalty', to: 'generationConfig.presencePenalty' },
  { from: 'frequency_penalty', to: 'generationConfig.frequencyPenalty' },
  { from: 'response_format', to: 'generationConfig.responseMimeType', transform: (f) => ((f as ResponseFormat).type === 'text' ? undefined : 'application/json') },
  { from: 'response_format', to: 'generationConfig.responseJsonSchema', transform: (f) => ((f as ResponseFormat).type === 'json_schema' ? (f as JsonSchemaFormat).json_schema.schema : undefined) },
];

type ResponseFormat = NonNullable<ChatRequest['response_format']>;
type JsonSchemaFormat = Extract<ResponseFormat, { type: 'json_schema' }>;

const FUNCTION_CALLING_MODE = { auto: 'AUTO', required: 'ANY', none: 'NONE' } as const;

export function toGeminiRequest(req: ChatRequest, config: ProviderConfig): GeminiRequest {
  const body: GeminiRequest = { contents: toGeminiContents(req.messages) };
  const system = instructionTexts(req.messages);
  if (system.length) body.systemInstruction = { parts: system.map((text) => ({ text })) };
  if (req.tools?.length) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
        })),
      },
    ];
    const choice = req.tool_choice;
    if (typeof choice === 'object') body.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
    else if (choice) body.toolConfig = { functionCallingConfig: { mode: FUNCTION_CALLING_MODE[choice] } };
  }
  applyParams(req, GEMINI_PARAMS, body as unknown as Record<string, unknown>);
  if (config.defaultMaxTokens && maxOutputTokens(req) === undefined) {
    body.generationConfig = { ...body.generationConfig, maxOutputTokens: config.defaultMaxTokens };
  }
  return body;
}

export function toGeminiContents(messages: readonly ChatMessage[]): GeminiContent[] {
  const toolNames = toolNamesById(messages);
  const parts: BlockWriters<GeminiPart> = {
    text: (text) => ({ text }),
    part: userPart,
    toolCall: (call) => {
      const thoughtSignature = signatureOf(call.id);
      return { functionCall: { name: call.function.name, args: toolArguments(call) }, ...(thoughtSignature ? { thoughtSignature } : {}) };
    },
    toolResult: (toolCallId, text) => {
      const name = toolNames.get(toolCallId);
      if (!name) throw new ProviderError({ status: 400, retryable: false, code: 'invalid_request', message: `tool message "${toolCallId}" answers no tool call in the conversation` });
      return { functionResponse: { name, response: toolResponse(text) } };
    },
  };
  return toTurns('gemini', messages, parts).map((t) => ({ role: t.role === 'assistant' ? 'model' : 'user', parts: t.blocks }));
}

/** Gemini wants an object: a JSON object result goes as it is, anything else under "output". */
export function toolResponse(text: string): Record<string, unknown> {
  const parsed = parseJsonOrUndefined(text);
  if (parsed === undefined) return { output: text };
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  return { output: parsed };
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function userPart(part: Exclude<UserContentPart, { type: 'text' }>): GeminiPart[] {
  switch (part.type) {
    case 'image_url': {
      const url = part.image_url.url;
      const data = parseDataUrl(url);
      if (data) return [{ inlineData: { mimeType: data.mediaType, data: data.data } }];
      const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
      return [{ fileData: { mimeType: (extension && MIME_BY_EXTENSION[extension]) || 'image/jpeg', fileUri: url } }];
    }
    case 'input_audio':
      return [{ inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } }];
    case 'file': {
      const data = fileDataOf('gemini', part);
      return [{ inlineData: { mimeType: data.mediaType, data: data.data } }];
    }
  }
}

/** One text goes to embedContent, several to batchEmbedContents (each request names the model again). */
export function toGeminiEmbedRequest(texts: readonly string[], model: string, dimensions?: number): { method: 'embedContent' | 'batchEmbedContents'; body: unknown } {
  const one = (text: string) => ({ content: { parts: [{ text }] }, ...(dimensions ? { outputDimensionality: dimensions } : {}) });
  if (texts.length === 1) return { method: 'embedContent', body: one(texts[0]!) };
  const resource = geminiResource(model);
  return { method: 'batchEmbedContents', body: { requests: texts.map((text) => ({ model: resource, ...one(text) })) } };
}
