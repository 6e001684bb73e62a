// OpenAI chat request → Bedrock Converse input: system messages to `system`, turns joined so roles alternate
// (tool results first in their user turn), images and documents as bytes, tools to `toolConfig`, sampling to
// `inferenceConfig`. Embeddings go to InvokeModel in the native body of the model family.
import type { ContentBlock, ConverseCommandInput, Tool, ToolChoice } from '@aws-sdk/client-bedrock-runtime';
import { maxOutputTokens, type ChatMessage, type ChatRequest, type UserContentPart } from '../../core/openai/chat-request';
import type { ProviderConfig } from '../../core/config/schema';
import { unsupported } from '../shared/errors';
import { encodedBySdk } from '../shared/paths';
import { fileDataOf, instructionBlocks, jsonToolFor, parseDataUrl, resultsFirst, toolArguments, toTurns, type BlockWriters } from '../shared/messages';
import { applyParams, stopList, type ParamRule } from '../shared/params';

export const BEDROCK_PARAMS: readonly ParamRule[] = [
  { from: maxOutputTokens, to: 'maxTokens' },
  // the Converse models (Claude, Llama, Mistral, Nova, Command) all take temperatures up to 1
  { from: 'temperature', to: 'temperature', min: 0, max: 1 },
  { from: 'top_p', to: 'topP' },
  { from: 'stop', to: 'stopSequences', transform: stopList },
];

export interface ConverseCall {
  input: ConverseCommandInput;
  /** the tool standing in for response_format, whose input is the answer */
  jsonTool?: string;
}

export function toConverseInput(req: ChatRequest, model: string, config: ProviderConfig): ConverseCall {
  const input: ConverseCommandInput = { modelId: encodedBySdk('bedrock', model), messages: toConverseMessages(req.messages) };
  const system = instructionBlocks(req.messages);
  if (system.length) input.system = system.flatMap(({ text, cache }) => (cache ? [{ text }, CACHE_POINT] : [{ text }]));
  const inference = applyParams(req, BEDROCK_PARAMS, {} as Record<string, unknown>);
  if (inference.maxTokens === undefined && config.defaultMaxTokens) inference.maxTokens = config.defaultMaxTokens;
  if (Object.keys(inference).length) input.inferenceConfig = inference;
  const jsonTool = jsonToolFor(req);
  if (jsonTool) {
    input.toolConfig = { tools: [toolSpec(jsonTool.name, jsonTool.description, jsonTool.schema)], toolChoice: { tool: { name: jsonTool.name } } };
  } else if (req.tools?.length && !(req.tool_choice === 'none' && !usesTools(req.messages))) {
    // Converse has no "none": with tool blocks in the conversation toolConfig must stay, so the choice is left open
    input.toolConfig = { tools: req.tools.map((t) => toolSpec(t.function.name, t.function.description, t.function.parameters)) };
    const choice = toolChoice(req);
    if (choice) input.toolConfig.toolChoice = choice;
  }
  return { input, jsonTool: jsonTool?.name };
}

function toolSpec(name: string, description: string | undefined, schema: Record<string, unknown> | undefined): Tool {
  return { toolSpec: { name, ...(description ? { description } : {}), inputSchema: { json: (schema ?? { type: 'object', properties: {} }) as never } } };
}

function toolChoice(req: ChatRequest): ToolChoice | undefined {
  const choice = req.tool_choice;
  if (typeof choice === 'object') return { tool: { name: choice.function.name } };
  if (choice === 'required') return { any: {} };
  if (choice === 'auto') return { auto: {} };
  return undefined;
}

function usesTools(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.role === 'tool' || (m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0));
}

export function toConverseMessages(messages: readonly ChatMessage[]): NonNullable<ConverseCommandInput['messages']> {
  return toTurns('bedrock', messages, CONVERSE_BLOCKS).map((t) => ({ role: t.role, content: t.role === 'user' ? resultsFirst(t.blocks, (b) => b.toolResult !== undefined) : t.blocks }));
}

/** Converse marks a prompt-cache breakpoint with a block of its own after the cached ones (no TTL choice). */
const CACHE_POINT = { cachePoint: { type: 'default' as const } };

/** Bedrock refuses blank text blocks: toTurns never writes empty ones. */
const CONVERSE_BLOCKS: BlockWriters<ContentBlock> = {
  text: (text) => ({ text }),
  part: userPart,
  toolCall: (call) => ({ toolUse: { toolUseId: call.id, name: call.function.name, input: toolArguments(call) as never } }),
  toolResult: (toolCallId, text) => ({ toolResult: { toolUseId: toolCallId, content: [{ text }] } }),
  cache: (blocks) => [...blocks, CACHE_POINT],
};

const IMAGE_FORMATS: Readonly<Record<string, 'png' | 'jpeg' | 'gif' | 'webp'>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMATS: Readonly<Record<string, 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md'>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

function userPart(part: Exclude<UserContentPart, { type: 'text' }>): ContentBlock[] {
  switch (part.type) {
    case 'image_url': {
      const url = part.image_url.url;
      const data = parseDataUrl(url);
      if (data) {
        const format = IMAGE_FORMATS[data.mediaType];
        if (!format) throw unsupported('bedrock', `${data.mediaType} images (png, jpeg, gif, webp)`);
        return [{ image: { format, source: { bytes: Buffer.from(data.data, 'base64') } } }];
      }
      if (url.startsWith('s3://')) {
        const extension = /\.([a-z]+)$/i.exec(url)?.[1]?.toLowerCase();
        return [{ image: { format: IMAGE_FORMATS[`image/${extension}`] ?? 'jpeg', source: { s3Location: { uri: url } } } }];
      }
      // fetching arbitrary URLs from inside the gateway would be a server-side request forgery hole
      throw unsupported('bedrock', 'image URLs (send a data: URL or an s3:// URI)');
    }
    case 'file': {
      const data = fileDataOf('bedrock', part);
      const format = DOCUMENT_FORMATS[data.mediaType];
      if (!format) throw unsupported('bedrock', `${data.mediaType} documents`);
      return [{ document: { format, name: documentName(part.file.filename), source: { bytes: Buffer.from(data.data, 'base64') } } }];
    }
    case 'input_audio':
      throw unsupported('bedrock', 'audio input');
  }
}

/** Bedrock takes letters, digits, single spaces, hyphens, parentheses and brackets in a document name. */
function documentName(filename: string | undefined): string {
  const base = (filename ?? 'document').replace(/\.[^.]*$/, '');
  return base.replace(/[^A-Za-z0-9\-()[\] ]+/g, ' ').replace(/\s+/g, ' ').trim() || 'document';
}

export type EmbeddingFamily = 'titan' | 'cohere';

/** Bedrock's embedding models take each family's native body (inference-profile prefixes like "us." allowed). */
export function embeddingFamily(model: string): EmbeddingFamily | undefined {
  if (/(^|\.)amazon\.titan-embed/.test(model)) return 'titan';
  if (/(^|\.)cohere\.embed/.test(model)) return 'cohere';
  return undefined;
}

/** Titan embeds one text a call; its v1 model takes no dimensions. */
export function titanEmbedBody(text: string, model: string, dimensions?: number): Record<string, unknown> {
  return { inputText: text, ...(dimensions && !model.includes('titan-embed-text-v1') ? { dimensions } : {}) };
}
