import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/core/config/load';
import { gatewayConfig } from '../../../lambdas/core/config/schema';
import { bundledConfigLiteral, loadDeployedGatewayConfig, prepareGatewayConfig } from '../../../lib/config/gateway-config';

const base = gatewayConfig.parse({
  providers: [
    { id: 'openai', type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' },
    { id: 'claude', type: 'anthropic', apiKeySecret: 'team/anthropic' },
    { id: 'br', type: 'bedrock', region: 'us-west-2', models: ['amazon.titan-embed-text-v2:0'] },
    { id: 'mock', type: 'mock' },
  ],
  models: [{ name: 'smart', targets: [{ provider: 'claude', model: 'claude-sonnet' }, { provider: 'br', model: 'us.anthropic.claude-3-haiku' }] }],
  tenants: [
    { id: 'acme', apiKeys: ['sk-local-acme-1'], apiKeyHashes: ['a'.repeat(64)] },
    { id: 'beta', iamPrincipals: ['arn:aws:iam::111122223333:role/beta'] },
  ],
});

describe('the gateway config as deployed', () => {
  const deployed = prepareGatewayConfig(base);

  it('drops plain API keys and names the tenants that had them; hashes stay', () => {
    expect(deployed.tenantsWithDroppedKeys).toEqual(['acme']);
    expect(deployed.config.tenants[0]).not.toHaveProperty('apiKeys');
    expect(deployed.config.tenants[0]!.apiKeyHashes).toEqual(['a'.repeat(64)]);
    expect(bundledConfigLiteral(deployed.config)).not.toContain('sk-local-acme-1');
  });

  it('gives a provider keyed by an environment variable a secret of its own; keeps named secrets', () => {
    expect(deployed.keyedProviders.map((p) => [p.provider.id, p.secretName])).toEqual([
      ['openai', 'switchboard/openai'],
      ['claude', 'team/anthropic'],
    ]);
    expect(deployed.config.providers[0]!.apiKeySecret).toBe('switchboard/openai');
  });

  it('lists the Bedrock models the config routes to, with their region', () => {
    expect(deployed.bedrockModels).toEqual(
      expect.arrayContaining([
        { region: 'us-west-2', modelId: 'amazon.titan-embed-text-v2:0' },
        { region: 'us-west-2', modelId: 'us.anthropic.claude-3-haiku' },
      ]),
    );
    expect(deployed.bedrockModels).toHaveLength(2);
  });

  it('bundles as a JS string literal that the gateway parses back to the same config', () => {
    const literal = bundledConfigLiteral(deployed.config);
    expect(JSON.parse(JSON.parse(literal) as string)).toEqual(JSON.parse(JSON.stringify(deployed.config)));
    // what the gateway does with it: validate again
    expect(() => gatewayConfig.parse(JSON.parse(JSON.parse(literal) as string))).not.toThrow();
  });

  it('fails on a bad file with every problem listed by path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ providers: [{ id: 'x', type: 'nope' }], tenants: [{ id: 'Bad Id' }] }));
    let err: unknown;
    try {
      loadDeployedGatewayConfig(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.length).toBeGreaterThanOrEqual(2);
    expect((err as ConfigError).problems.join('\n')).toMatch(/providers\[0\]\.type/);
    expect((err as ConfigError).problems.join('\n')).toMatch(/tenants\[0\]\.id/);
  });

  it('names the context key when the file is missing', () => {
    expect(() => loadDeployedGatewayConfig('/nonexistent/gateway.json')).toThrow(/context gatewayConfig/);
  });
});
