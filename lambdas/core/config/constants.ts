// Names the config schema and the run-time code share. Kept apart from schema.ts so the Lambda bundle,
// which trusts the config validated at synth, does not carry the schema.

export const PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'bedrock', 'cohere', 'mock'] as const;
export const STRATEGIES = ['fallback', 'weighted', 'latency', 'cost'] as const;
