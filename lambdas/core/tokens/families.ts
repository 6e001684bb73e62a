// What each provider family bills for the parts of a request that are not text: images by its own published
// formula, audio by the second, document pages; and the framing around messages and tools. Every figure
// is an upper bound; where it comes from is in docs/token-estimates.md, section by section.
import type { PROVIDER_TYPES } from '../config/constants';
import type { ImageSize } from './image-size';

export type ImageDetail = 'auto' | 'low' | 'high';

/** a family's bounds for one target model */
export interface FamilyBounds {
  /** an image of this size (undefined: not known, e.g. an http URL) */
  image(size: ImageSize | undefined, detail: ImageDetail): number;
  /** one page of a PDF: its image and its text */
  pdfPage: number;
  /** the most pages the provider reads from one document */
  maxPages: number;
  /** a request that carries tool definitions (or a response schema the adapter sends as a tool) */
  toolPrompt: number;
  /** the largest context window of the family's models: a longer prompt is refused, not billed */
  maxInput: number;
}

/** Framing the same for every family, generous: see docs/token-estimates.md ("Framing"). */
export const FRAMING = {
  perRequest: 20,
  perMessage: 10,
  /** each non-text part (image, audio, file) is wrapped in markers */
  perPart: 8,
  perTool: 10,
};

/** audio tokens per second: Gemini's published 32; OpenAI publishes no per-second rate (docs/token-estimates.md) */
export const AUDIO_TOKENS_PER_SECOND = 32;

/** text on one document page, on top of its image: a dense page holds about 3,000 characters */
const PDF_TEXT_PER_PAGE = 3_000;

// ---- OpenAI: tiles (GPT-4o, GPT-4.1, o1/o3, GPT-5) or 32 px patches (the mini and nano models) ----

type OpenAIVision = { kind: 'tiles'; base: number; tile: number } | { kind: 'patches'; multiplier: number };

const tiles = (base: number, tile: number): OpenAIVision => ({ kind: 'tiles', base, tile });
const patches = (multiplier: number): OpenAIVision => ({ kind: 'patches', multiplier });

/**
 * OpenAI's models by name (fine-tunes `ft:<model>:…` and OpenRouter's `openai/<model>` too), each with the
 * schemes that may apply (GPT-4.1 is listed with the tile models and billed by patches in OpenAI's worked
 * example: both, the dearer taken); undefined: not a model we know.
 */
export function openAIVision(model: string): OpenAIVision[] | undefined {
  const m = model.replace(/^ft:/, '').replace(/^openai\//, '');
  if (m.startsWith('gpt-4o-mini')) return [tiles(2833, 5667)];
  if (/^gpt-(4\.1|5)-mini/.test(m)) return [patches(1.62)];
  if (/^gpt-(4\.1|5)-nano/.test(m)) return [patches(2.46)];
  if (/^(o4-mini|codex-mini)/.test(m)) return [patches(1.72)];
  if (m.startsWith('gpt-4.1')) return [tiles(85, 170), patches(1)];
  if (/^(gpt-4o|chatgpt-4o|gpt-4-turbo|gpt-4-vision|gpt-4\.5)/.test(m)) return [tiles(85, 170)];
  if (/^o[13](-|$)/.test(m)) return [tiles(75, 150)];
  if (/^gpt-5(-chat|-\d{4}-\d\d-\d\d|$)/.test(m)) return [tiles(70, 140)];
  if (m.startsWith('computer-use-preview')) return [tiles(65, 129)];
  return undefined;
}

/** scale (w, h) down, keeping the aspect ratio, by `factor` when it is below 1 */
function scaled(size: ImageSize, factor: number): ImageSize {
  return factor < 1 ? { width: size.width * factor, height: size.height * factor } : size;
}

/**
 * Tile models: fit in 2048 × 2048, then the short side down to 768, then base + tile per 512 px square;
 * `low` is the base alone. Unrounded sides make the tile count the largest any rounding gives.
 */
export function openAITileTokens(size: ImageSize, detail: ImageDetail, base: number, tile: number): number {
  if (detail === 'low') return base;
  const fit = scaled(size, 2048 / Math.max(size.width, size.height));
  const short = scaled(fit, 768 / Math.min(fit.width, fit.height));
  return base + tile * Math.ceil(short.width / 512) * Math.ceil(short.height / 512);
}

/** Patch models: 32 px patches, at most 1536 (the image shrunk to fit), times the model's multiplier; detail has no effect. */
export function openAIPatchTokens(size: ImageSize, multiplier: number): number {
  const { width: w, height: h } = size;
  let n = Math.ceil(w / 32) * Math.ceil(h / 32);
  if (n > 1536) {
    let r = Math.sqrt((32 * 32 * 1536) / (w * h));
    r *= Math.min(Math.floor((w * r) / 32) / ((w * r) / 32), Math.floor((h * r) / 32) / ((h * r) / 32));
    n = Math.ceil((w * r) / 32) * Math.ceil((h * r) / 32);
  }
  return Math.ceil(Math.min(n, 1536) * multiplier);
}

/** the largest image either kind of OpenAI model accepts: 768 × 2048 fills 8 tiles; patches cap at 1536 */
const OPENAI_LARGEST: ImageSize = { width: 768, height: 2048 };

function openAIImage(vision: OpenAIVision, size: ImageSize | undefined, detail: ImageDetail): number {
  if (vision.kind === 'patches') return openAIPatchTokens(size ?? { width: 1536 * 32, height: 32 }, vision.multiplier);
  return openAITileTokens(size ?? OPENAI_LARGEST, detail, vision.base, vision.tile);
}

/** the dearest of several schemes */
function openAIImages(visions: readonly OpenAIVision[], size: ImageSize | undefined, detail: ImageDetail): number {
  let most = 0;
  for (const v of visions) most = Math.max(most, openAIImage(v, size, detail));
  return most;
}

/** an OpenAI model we do not know by name: every OpenAI formula, the dearest taken */
function anyOpenAIImage(size: ImageSize | undefined, detail: ImageDetail): number {
  return openAIImages([tiles(2833, 5667), patches(2.46)], size, detail);
}

// ---- Anthropic: about w × h / 750, or ⌈w/28⌉ × ⌈h/28⌉ patches, after the resize to the model's native size ----

/** Claude models before Opus 4.7: long edge 1568 px and about 1.15 megapixels */
const CLAUDE_1568 = /claude-(?:instant|2|3)|claude-(?:opus|sonnet|haiku)-4(?:-[0-6])?(?:-\d{8}|@|:|-v\d|$)/;
/** a little over the largest documented size (784 × 1568 = 1,229,312 px) */
const CLAUDE_1568_MAX_PIXELS = 1_300_000;
/** Opus 4.7 reads up to 2576 px on the long edge; an unknown (newer) Claude is taken to as well, with no area cap */
const CLAUDE_MAX_EDGE = 2576;

export function anthropicImageTokens(size: ImageSize | undefined, model: string): number {
  const legacy = CLAUDE_1568.test(model);
  if (!size) return legacy ? CLAUDE_1568_UNKNOWN_SIZE : CLAUDE_UNKNOWN_SIZE;
  let s = scaled(size, (legacy ? 1568 : CLAUDE_MAX_EDGE) / Math.max(size.width, size.height));
  if (legacy) s = scaled(s, Math.sqrt(CLAUDE_1568_MAX_PIXELS / (s.width * s.height)));
  return Math.max(Math.ceil((s.width * s.height) / 750), Math.ceil(s.width / 28) * Math.ceil(s.height / 28));
}

/** an image of unknown size (an http URL): the most either formula gives within the model's native size */
export const CLAUDE_1568_UNKNOWN_SIZE = 1_800;
export const CLAUDE_UNKNOWN_SIZE = Math.ceil((CLAUDE_MAX_EDGE * CLAUDE_MAX_EDGE) / 750);

// ---- Gemini: 258 per 768 px tile (2.x), or up to 1120 per image (3, default high resolution) ----

/** Gemini's tile count two ways: the documented 768 px grid, and a crop unit of the short side / 1.5 (256-768 px) */
export function geminiImageTokens(size: ImageSize | undefined): number {
  if (!size) return GEMINI_UNKNOWN_SIZE;
  const { width: w, height: h } = size;
  if (w <= 384 && h <= 384) return Math.max(258, GEMINI_3_HIGH);
  const grid = Math.ceil(w / 768) * Math.ceil(h / 768);
  const unit = Math.min(768, Math.max(256, Math.floor(Math.min(w, h) / 1.5)));
  const cropped = Math.ceil(w / unit) * Math.ceil(h / unit);
  return Math.max(258 * Math.max(grid, cropped), GEMINI_3_HIGH);
}

const GEMINI_3_HIGH = 1120;
/** an image of unknown size (a file URI): the most tiles of any image within 3072 × 3072, where Gemini scales larger ones */
export const GEMINI_UNKNOWN_SIZE = 258 * 30;

// ---- others ----

/** Amazon Nova publishes examples, not a formula; the largest (1.3K × 1.3K) is about 2,600: twice that */
const NOVA_IMAGE = 5_200;

/** Cohere: 256 per 512 px tile plus a 256 thumbnail (at most 1536 × 2048 px); at least 1,610 (a 512 px image, per Oracle's Command A Vision page) */
export function cohereImageTokens(size: ImageSize | undefined): number {
  const s = size ? scaled(size, Math.min(2048 / Math.max(size.width, size.height), 1536 / Math.min(size.width, size.height))) : { width: 1536, height: 2048 };
  return Math.max(1_610, 256 * (Math.ceil(s.width / 512) * Math.ceil(s.height / 512) + 1));
}

/**
 * Open models behind OpenAI-compatible APIs (Qwen-VL, Pixtral, Llama, Gemma on Groq, Together, vLLM…) and
 * anything else we cannot name: the dearest of the published schemes, including 28 px patches up to
 * 16,384 per image (Qwen2-VL's default ceiling) and Pixtral's 16 px patches within 1024 px plus row breaks.
 */
export function anyImage(size: ImageSize | undefined, detail: ImageDetail): number {
  const qwen = size ? Math.min(16_384, Math.ceil(size.width / 28) * Math.ceil(size.height / 28)) : 16_384;
  const pix = scaled(size ?? { width: 1024, height: 1024 }, 1024 / Math.max(size?.width ?? 1024, size?.height ?? 1024));
  const pixtral = Math.ceil(pix.width / 16) * Math.ceil(pix.height / 16) + Math.ceil(pix.height / 16) + 1;
  return Math.max(
    qwen,
    pixtral,
    anthropicImageTokens(size, ''),
    openAIImage(tiles(85, 170), size, detail),
    openAIImage(patches(2.46), size, detail),
    geminiImageTokens(size),
    cohereImageTokens(size),
    NOVA_IMAGE,
  );
}

/** a tool-use system prompt: Anthropic's published table goes up to 530 (Claude 3 Opus); the others publish none */
const TOOL_PROMPT = 600;

/** the provider's limit on pages in one document (Anthropic 600 for its 1M-token models, OpenAI 100, Gemini 1000) */
const MAX_PAGES = { anthropic: 600, openai: 100, gemini: 1000, any: 1000 };

/** context windows: Claude 1M, OpenAI's largest (GPT-4.1) 1,047,576, Gemini 1.5 Pro 2M; others not capped */
const MAX_INPUT = { anthropic: 1_000_000, openai: 1_047_576, gemini: 2_097_152, any: Number.POSITIVE_INFINITY };

const pdfPage = (imageMax: number) => imageMax + PDF_TEXT_PER_PAGE;

export type Family = (typeof PROVIDER_TYPES)[number];

/** the bounds for one family and model; an unknown family (or a model we cannot place) gets the dearest of all */
export function familyBounds(family: Family | undefined, model: string): FamilyBounds {
  switch (family) {
    case 'openai': {
      const vision = openAIVision(model);
      const image = vision ? (s: ImageSize | undefined, d: ImageDetail) => openAIImages(vision, s, d) : looksLikeOpenAI(model) ? anyOpenAIImage : anyImage;
      const maxInput = vision ? MAX_INPUT.openai : MAX_INPUT.any;
      return { image, pdfPage: pdfPage(image(undefined, 'high')), maxPages: vision ? MAX_PAGES.openai : MAX_PAGES.any, toolPrompt: TOOL_PROMPT, maxInput };
    }
    case 'anthropic':
      return claude(model);
    case 'gemini':
      return { image: geminiImageTokens, pdfPage: pdfPage(GEMINI_UNKNOWN_SIZE), maxPages: MAX_PAGES.gemini, toolPrompt: TOOL_PROMPT, maxInput: MAX_INPUT.gemini };
    case 'bedrock':
      if (model.includes('claude')) return claude(model);
      if (model.includes('nova')) return { image: () => NOVA_IMAGE, pdfPage: pdfPage(NOVA_IMAGE), maxPages: MAX_PAGES.any, toolPrompt: TOOL_PROMPT, maxInput: MAX_INPUT.any };
      return anyFamily();
    case 'cohere':
      return { image: cohereImageTokens, pdfPage: pdfPage(cohereImageTokens(undefined)), maxPages: MAX_PAGES.any, toolPrompt: TOOL_PROMPT, maxInput: MAX_INPUT.any };
    default:
      return anyFamily();
  }
}

function claude(model: string): FamilyBounds {
  return {
    image: (size) => anthropicImageTokens(size, model),
    pdfPage: pdfPage(anthropicImageTokens(undefined, model)),
    maxPages: MAX_PAGES.anthropic,
    toolPrompt: TOOL_PROMPT,
    maxInput: MAX_INPUT.anthropic,
  };
}

function anyFamily(): FamilyBounds {
  return { image: anyImage, pdfPage: pdfPage(anyImage(undefined, 'high')), maxPages: MAX_PAGES.any, toolPrompt: TOOL_PROMPT, maxInput: MAX_INPUT.any };
}

/** a name in OpenAI's own series (a model newer than this file): bounded by every OpenAI formula */
function looksLikeOpenAI(model: string): boolean {
  return /^(ft:|openai\/)?(gpt-|chatgpt-|o\d|codex-|computer-use)/.test(model);
}
