// Input-token bounds for admission: the most tokens a provider family can bill for a request, before it says.
// Budgets reserve the worst case a call may cost, so these never undercount: text by its UTF-8 bytes, images,
// audio and documents by each provider's published formula, framing and tool prompts generously.
// How each part is bounded, the measured ratios and what is not bounded exactly: docs/token-estimates.md.
import type { ModelTarget, ProviderConfig } from '../config/schema';
import type { ChatMessage, ChatRequest, EmbeddingsRequest, UserContentPart } from '../openai/chat-request';
import type { Usage } from '../openai/chat-response';
import { AUDIO_TOKENS_PER_SECOND, familyBounds, FRAMING, type ImageDetail } from './families';
import { imageSizeOfBase64, type ImageSize } from './image-size';
import { audioSecondsBound, pdfPageCount } from './media';
import { jsonTextTokenBound, jsonTokenBound, textTokenBound } from './text';

export type ProviderFamily = ProviderConfig['type'];

/** one target a request may go to: its provider's type and the model it names there */
export interface TokenTarget {
  /** undefined: a provider the config does not describe; bounded as the dearest family */
  family: ProviderFamily | undefined;
  model: string;
}

/** An upper bound of the tokens in `text` for every tokenizer our providers use: its UTF-8 bytes, or those of its NFKC or NFC form. */
export function estimateTextTokens(text: string): number {
  return textTokenBound(text);
}

/** The most input tokens `family` (serving `model`, when known) can bill for this request. */
export function estimateChatInputTokens(req: ChatRequest, family: ProviderFamily | undefined, model = ''): number {
  return boundFor(censusOf(req), { family, model });
}

/** The most input tokens any of the targets can bill: what admission reserves for a request that may go to any of them. */
export function estimateForTargets(req: ChatRequest, targets: readonly TokenTarget[]): number {
  const census = censusOf(req);
  let most = 0;
  for (const target of targets.length ? targets : [{ family: undefined, model: '' }]) most = Math.max(most, boundFor(census, target));
  return most;
}

/** The targets of a route with their providers' families, for estimateForTargets. */
export function tokenTargets(targets: readonly ModelTarget[], providers: ReadonlyArray<Pick<ProviderConfig, 'id' | 'type'>>): TokenTarget[] {
  return targets.map((t) => ({ family: providers.find((p) => p.id === t.provider)?.type, model: t.model }));
}

/**
 * Embedding inputs: text by the same bound, plus two tokens an item for the begin and end markers a
 * SentencePiece model adds; token-id inputs are counted exactly (they are the tokens). The same for every
 * family (the text bound holds for every tokenizer): the family is taken for symmetry with chat.
 */
export function estimateEmbeddingsInputTokens(req: EmbeddingsRequest, _family?: ProviderFamily, _model?: string): number {
  const input = req.input;
  if (typeof input === 'string') return textTokenBound(input) + EMBEDDING_ITEM_MARKERS;
  let tokens = 0;
  for (const item of input) {
    if (typeof item === 'string') tokens += textTokenBound(item) + EMBEDDING_ITEM_MARKERS;
    else if (typeof item === 'number') tokens += 1;
    else tokens += item.length;
  }
  return tokens;
}

const EMBEDDING_ITEM_MARKERS = 2;

/**
 * Usage for an answer whose provider reported none (a stream cut short, a provider without usage): the input
 * bound, and the output the client was shown by the same text bound, so a cut stream is never charged less
 * than the tokens it showed.
 */
export function estimateChatUsage(req: ChatRequest, output: string, family: ProviderFamily | undefined, model = ''): Usage {
  const prompt = estimateChatInputTokens(req, family, model);
  const completion = textTokenBound(output);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

// ---- the request, measured once whatever the targets ----

interface ImageCensus {
  size: ImageSize | undefined;
  detail: ImageDetail;
}

/** what a request holds, in the units the families bill */
interface Census {
  /** bound of all text, tool and schema JSON and unknown fields, family-independent */
  text: number;
  messages: number;
  /** non-text content parts */
  parts: number;
  tools: number;
  /** tool definitions or a response schema: providers add a tool prompt (Anthropic's adapter sends a schema as a tool) */
  toolPrompt: boolean;
  images: ImageCensus[];
  audioSeconds: number;
  /** PDF pages per document; undefined: not known (the provider's page limit is taken) */
  documents: Array<number | undefined>;
}

/** request fields the schema knows that never reach the prompt (sampling, limits, gateway hints) */
const NOT_PROMPT = new Set([
  'model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'n',
  'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'user', 'metadata', 'presence_penalty', 'frequency_penalty', 'seed',
]);
const ASSISTANT_FIELDS = new Set(['role', 'content', 'name', 'refusal', 'tool_calls', 'function_call']);

function censusOf(req: ChatRequest): Census {
  const census: Census = { text: 0, messages: req.messages.length, parts: 0, tools: 0, toolPrompt: false, images: [], audioSeconds: 0, documents: [] };
  for (const m of req.messages) addMessage(census, m);
  if (req.tools?.length) {
    census.tools = req.tools.length;
    census.toolPrompt = true;
    for (const t of req.tools) census.text += jsonTokenBound(t);
  }
  if (req.tool_choice !== undefined) census.text += jsonTokenBound(req.tool_choice);
  if (req.response_format) {
    census.text += jsonTokenBound(req.response_format);
    if (req.response_format.type === 'json_schema') {
      census.tools += 1;
      census.toolPrompt = true;
    }
  }
  // fields passed through to OpenAI-compatible upstreams that may add to the prompt (prediction, audio, …)
  for (const key of Object.keys(req)) {
    if (!NOT_PROMPT.has(key)) census.text += textTokenBound(key) + jsonTokenBound((req as Record<string, unknown>)[key]);
  }
  return census;
}

function addMessage(census: Census, m: ChatMessage): void {
  if ('name' in m && m.name) census.text += textTokenBound(m.name);
  const content = m.content;
  if (typeof content === 'string') census.text += textTokenBound(content);
  else if (content) for (const part of content) addPart(census, part);
  switch (m.role) {
    case 'assistant':
      if (m.refusal) census.text += textTokenBound(m.refusal);
      for (const call of m.tool_calls ?? []) {
        census.text += textTokenBound(call.id) + textTokenBound(call.function.name) + jsonTextTokenBound(call.function.arguments);
      }
      if (m.function_call) census.text += textTokenBound(m.function_call.name) + jsonTextTokenBound(m.function_call.arguments);
      for (const key of Object.keys(m)) {
        if (!ASSISTANT_FIELDS.has(key)) census.text += textTokenBound(key) + jsonTokenBound((m as Record<string, unknown>)[key]);
      }
      break;
    case 'tool':
      census.text += textTokenBound(m.tool_call_id);
      break;
  }
}

type AnyPart = UserContentPart | { type: 'refusal'; refusal: string };

function addPart(census: Census, part: AnyPart): void {
  switch (part.type) {
    case 'text':
      census.text += textTokenBound(part.text);
      return;
    case 'refusal':
      census.text += textTokenBound(part.refusal);
      return;
    case 'image_url': {
      census.parts++;
      const data = base64Payload(part.image_url.url);
      census.images.push({ size: data ? imageSizeOfBase64(data.payload) : undefined, detail: part.image_url.detail ?? 'auto' });
      return;
    }
    case 'input_audio':
      census.parts++;
      census.audioSeconds += audioSecondsBound(part.input_audio.data, part.input_audio.format);
      return;
    case 'file':
      census.parts++;
      addFile(census, part.file);
      return;
  }
}

/** a file part: a PDF by its pages, text by its characters, anything else as a document of unknown length */
function addFile(census: Census, file: { file_data?: string; file_id?: string; filename?: string }): void {
  if (file.filename) census.text += textTokenBound(file.filename);
  if (!file.file_data) {
    census.documents.push(undefined); // by id: its size is the provider's business
    return;
  }
  // a bare base64 payload is taken for a PDF, as the adapters do
  const data = base64Payload(file.file_data) ?? { mediaType: 'application/pdf', payload: file.file_data };
  const bytes = Buffer.from(data.payload, 'base64');
  if (data.mediaType === 'application/pdf') census.documents.push(pdfPageCount(bytes));
  else if (data.mediaType.startsWith('text/') || data.mediaType === 'application/json') census.text += decodedTextBound(bytes);
  else census.documents.push(undefined);
}

/** text in a file: valid UTF-8 by the text bound; any other encoding (Latin-1, UTF-16) at most doubles in UTF-8 */
function decodedTextBound(bytes: Buffer): number {
  try {
    return textTokenBound(UTF8.decode(bytes));
  } catch {
    return 2 * bytes.length;
  }
}
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `data:<type>;base64,<payload>`, or undefined for any other URL */
function base64Payload(url: string): { mediaType: string; payload: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const params = url.slice(5, comma).split(';');
  if (params[params.length - 1] !== 'base64') return undefined;
  return { mediaType: params[0] || 'application/octet-stream', payload: url.slice(comma + 1) };
}

function boundFor(census: Census, target: TokenTarget): number {
  const bounds = familyBounds(target.family, target.model);
  let tokens = FRAMING.perRequest + census.messages * FRAMING.perMessage + census.parts * FRAMING.perPart + census.text;
  tokens += census.tools * FRAMING.perTool + (census.toolPrompt ? bounds.toolPrompt : 0);
  for (const image of census.images) tokens += bounds.image(image.size, image.detail);
  tokens += Math.ceil(census.audioSeconds * AUDIO_TOKENS_PER_SECOND);
  for (const pages of census.documents) tokens += Math.min(pages ?? bounds.maxPages, bounds.maxPages) * bounds.pdfPage;
  return Math.min(tokens, bounds.maxInput);
}
