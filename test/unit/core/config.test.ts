import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseGatewayConfig, stripJsonComments } from '../../../lambdas/core/config/load';

// the minimum every version must accept (DESIGN.md), comment included
const DESIGN_EXAMPLE = `{
  "providers": [
    { "id": "openai", "type": "openai", "baseUrl": "https://api.openai.com/v1", "apiKeyEnv": "OPENAI_API_KEY" },
    { "id": "claude", "type": "anthropic", "apiKeySecret": "switchboard/anthropic" },
    { "id": "local",  "type": "openai", "baseUrl": "http://127.0.0.1:11434/v1" },
    { "id": "mock",   "type": "mock" }
  ],
  "models": [
    { "name": "fast", "strategy": "fallback",
      "targets": [ { "provider": "openai", "model": "gpt-4o-mini" }, { "provider": "local", "model": "llama3.2" } ] }
  ],
  "tenants": [
    { "id": "acme", "apiKeys": ["sk-local-acme-1"],              // plain keys: local runs only
      "limits": { "requestsPerMinute": 60, "requestsPerDay": 10000, "tokensPerMinute": 100000 },
      "budget": { "perRequestUsd": 0.05, "dailyUsd": 5, "monthlyUsd": 100 } }
  ],
  "pricing": { "gpt-4o-mini": { "inputPerMTok": 0.15, "outputPerMTok": 0.6 } }
}`;

function problems(text: string): string[] {
  try {
    parseGatewayConfig(text, 'test');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('gateway config', () => {
  it('accepts the DESIGN.md example, comments and all, and fills in defaults', () => {
    const config = parseGatewayConfig(DESIGN_EXAMPLE);
    expect(config.providers.map((p) => p.id)).toEqual(['openai', 'claude', 'local', 'mock']);
    expect(config.models[0]!.strategy).toBe('fallback');
    expect(config.gateway.requestTimeoutMs).toBe(120_000);
    expect(config.tenants[0]!.budget?.dailyUsd).toBe(5);
  });

  it('accepts the default gateway.config.json', () => {
    const config = parseGatewayConfig(readFileSync('gateway.config.json', 'utf8'));
    expect(config.models.map((m) => m.name)).toContain('fast');
  });

  it('lists every problem by JSON path', () => {
    const found = problems(`{
      "providers": [ { "id": "a", "type": "nope" }, { "id": "a", "type": "mock", "baseUrl": "ftp://x" } ],
      "models": [ { "name": "fast", "targets": [ { "provider": "ghost", "model": "m" } ] } ],
      "tenants": [ { "id": "t", "tier": "gold", "apiKeys": ["short"] } ]
    }`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^providers\[0\]\.type: /),
        expect.stringMatching(/^providers\[1\]\.baseUrl: /),
        expect.stringMatching(/^tenants\[0\]\.apiKeys\[0\]: .*8 characters/),
      ]),
    );
  });

  it('checks references between sections once the shapes are right', () => {
    const found = problems(`{
      "providers": [ { "id": "a", "type": "mock" }, { "id": "a", "type": "mock" } ],
      "models": [ { "name": "fast", "targets": [ { "provider": "ghost", "model": "m" } ] } ],
      "tenants": [ { "id": "t", "tier": "gold" } ]
    }`);
    expect(found).toEqual([
      'providers[1].id: duplicate provider id "a"',
      'models[0].targets[0].provider: unknown provider "ghost"',
      'tenants[0].tier: unknown tier "gold"',
    ]);
  });

  it('rejects unknown keys rather than ignoring a typo', () => {
    expect(problems('{ "providers": [ { "id": "m", "type": "mock", "timeoutMS": 5 } ] }')).toEqual([expect.stringMatching(/^providers\[0\]: .*timeoutMS/)]);
  });

  it('says where a file is not JSON', () => {
    expect(problems('{ "providers": [ }')).toEqual([expect.stringMatching(/^not JSON/)]);
  });

  it('strips comments and trailing commas but leaves strings alone', () => {
    const text = '{ "url": "http://x//y", /* c */ "s": "a,}", // end\n "list": [1, 2,], }';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ url: 'http://x//y', s: 'a,}', list: [1, 2] });
  });
});

describe('gateway.config.schema.json', () => {
  it('matches the zod schema (run `npm run config:schema` after changing it)', async () => {
    const { configJsonSchema } = await import('../../../scripts/config-schema');
    expect(readFileSync('gateway.config.schema.json', 'utf8')).toBe(configJsonSchema());
  });
});
