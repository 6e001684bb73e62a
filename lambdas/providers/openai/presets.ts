// Named OpenAI-compatible services. A preset is config, not an adapter: it fills in what a provider entry
// leaves out (base URL, key variable, headers; the entry's own values win) and says which request fields the
// service names differently or refuses, and where it reads the output cap. Prices come from the price
// catalogue (the preset names the catalogue's provider) and the config's `pricing` table.
import type { ProviderConfig } from '../../core/config/schema';

export const OPENAI_PRESET_IDS = ['openai', 'groq', 'mistral', 'openrouter', 'together', 'cerebras', 'deepseek', 'ollama', 'vllm'] as const;
export type OpenAIPresetId = (typeof OPENAI_PRESET_IDS)[number];
export type MaxTokensField = NonNullable<ProviderConfig['maxTokensField']>;

export interface OpenAIPreset {
  name: string;
  baseUrl: string;
  /** the variable the service's own SDKs read; local servers need no key */
  apiKeyEnv?: string;
  headers?: Readonly<Record<string, string>>;
  /** request fields this service knows under another name */
  rename?: Readonly<Record<string, string>>;
  /** the field this service reads the output cap from (OpenAI's own: max_completion_tokens) */
  maxTokensField: MaxTokensField;
  /** request fields this service refuses (it answers 400 or 422 to them) */
  drop?: readonly string[];
  /** the service refuses `name` on messages */
  dropMessageNames?: boolean;
  /** the service takes `cache_control` breakpoints on content parts (others never see them) */
  cacheControl?: boolean;
}

export const OPENAI_PRESETS: Readonly<Record<OpenAIPresetId, OpenAIPreset>> = {
  openai: {
    name: 'OpenAI',
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnv: 'OPENAI_API_KEY',
    maxTokensField: 'max_completion_tokens',
  },
  groq: {
    name: 'Groq',
    baseUrl: 'https://api.groq.com/openai/v1',
    apiKeyEnv: 'GROQ_API_KEY',
    maxTokensField: 'max_completion_tokens',
    drop: ['logprobs', 'top_logprobs', 'logit_bias'],
    dropMessageNames: true,
  },
  mistral: {
    name: 'Mistral AI',
    baseUrl: 'https://api.mistral.ai/v1',
    apiKeyEnv: 'MISTRAL_API_KEY',
    rename: { seed: 'random_seed' },
    maxTokensField: 'max_tokens',
    // Mistral reports usage on its last chunk unasked, and refuses fields it does not know
    drop: ['stream_options', 'user', 'logit_bias', 'logprobs', 'top_logprobs', 'store', 'service_tier'],
  },
  openrouter: {
    name: 'OpenRouter',
    baseUrl: 'https://openrouter.ai/api/v1',
    apiKeyEnv: 'OPENROUTER_API_KEY',
    maxTokensField: 'max_tokens',
    // OpenRouter's app attribution; set HTTP-Referer in the entry's headers to name your site
    headers: { 'X-Title': 'Switchboard' },
    // passed on to the Anthropic and Gemini models it routes to
    cacheControl: true,
  },
  together: {
    name: 'Together AI',
    baseUrl: 'https://api.together.xyz/v1',
    apiKeyEnv: 'TOGETHER_API_KEY',
    maxTokensField: 'max_tokens',
  },
  cerebras: {
    name: 'Cerebras',
    baseUrl: 'https://api.cerebras.ai/v1',
    apiKeyEnv: 'CEREBRAS_API_KEY',
    maxTokensField: 'max_completion_tokens',
    drop: ['frequency_penalty', 'presence_penalty', 'logit_bias', 'logprobs', 'parallel_tool_calls', 'service_tier'],
  },
  deepseek: {
    name: 'DeepSeek',
    baseUrl: 'https://api.deepseek.com/v1',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    maxTokensField: 'max_tokens',
  },
  ollama: {
    name: 'Ollama (local)',
    baseUrl: 'http://127.0.0.1:11434/v1',
    maxTokensField: 'max_tokens',
  },
  vllm: {
    name: 'vLLM (self-hosted)',
    baseUrl: 'http://127.0.0.1:8000/v1',
    maxTokensField: 'both',
  },
};

/**
 * Where this provider reads the output cap: the entry's word, the preset's, OpenAI's own field at OpenAI, and
 * both fields for another compatible server (each reads the one it knows, so the cap always arrives).
 */
export function maxTokensFieldOf(config: ProviderConfig, preset?: OpenAIPreset): MaxTokensField {
  if (config.maxTokensField) return config.maxTokensField;
  if (preset) return preset.maxTokensField;
  return new URL(config.baseUrl ?? OPENAI_PRESETS.openai.baseUrl).hostname === 'api.openai.com' ? 'max_completion_tokens' : 'both';
}

/** The entry with its preset's defaults filled in, and the preset's request adjustments. */
export function applyPreset(config: ProviderConfig): { config: ProviderConfig; preset?: OpenAIPreset } {
  if (!config.preset) return { config };
  const preset = OPENAI_PRESETS[config.preset];
  // an entry that names a key (variable or secret) keeps exactly that key
  const namesKey = Boolean(config.apiKeyEnv || config.apiKeySecret);
  return {
    preset,
    config: {
      ...config,
      baseUrl: config.baseUrl ?? preset.baseUrl,
      apiKeyEnv: namesKey ? config.apiKeyEnv : preset.apiKeyEnv,
      headers: preset.headers || config.headers ? { ...preset.headers, ...config.headers } : undefined,
    },
  };
}
