import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/core/config/load';
import { gatewayConfig } from '../../../lambdas/core/config/schema';
import { bundledConfigLiteral, loadDeployedGatewayConfig, prepareGatewayConfig, undeployableProviders, unreachableHost, UndeployableConfigError } from '../../../lib/config/gateway-config';
import { DeploymentNames } from '../../../lib/config/names';

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

  it("gives a provider keyed by an environment variable a secret of its own; a named secret lives under the deployment's name", () => {
    expect(deployed.keyedProviders.map((p) => [p.provider.id, p.secretName])).toEqual([
      ['openai', 'switchboard/openai'],
      ['claude', 'switchboard/team/anthropic'],
    ]);
    expect(deployed.config.providers[0]!.apiKeySecret).toBe('switchboard/openai');
    expect(deployed.config.providers[1]!.apiKeySecret).toBe('switchboard/team/anthropic');
    const staging = prepareGatewayConfig(base, new DeploymentNames('staging'));
    expect(staging.keyedProviders.map((p) => p.secretName)).toEqual(['staging/openai', 'staging/team/anthropic']);
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

describe('what a deployed config may route to', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['localhost', 'a loopback address'],
    ['api.localhost', 'a loopback address'],
    ['[::1]', 'a loopback address'],
    ['[::ffff:7f00:1]', 'a loopback address'],
    ['0.0.0.0', 'an unspecified address'],
    ['169.254.169.254', 'a link-local address'],
    ['[fe80::1]', 'a link-local address'],
    ['10.0.0.5', 'a private address'],
    ['172.20.1.1', 'a private address'],
    ['192.168.1.10', 'a private address'],
    ['100.64.0.1', 'a carrier-grade NAT (private) address'],
    ['[fd00::1]', 'a private (unique local) address'],
    ['ollama', 'a single-label name that only a local resolver knows'],
    ['gpu.internal', 'a private (local-network) name'],
  ])('refuses %s (%s)', (host, why) => {
    expect(unreachableHost(new URL(`http://${host}:8080/v1`).hostname)).toBe(why);
  });

  it.each(['api.openai.com', '8.8.8.8', '172.32.0.1', '[2606:4700::1111]', 'vpce-0abc.execute-api.us-east-1.vpce.amazonaws.com'])('accepts %s', (host) => {
    expect(unreachableHost(new URL(`https://${host}/v1`).hostname)).toBeUndefined();
  });

  it('names every refused provider: mock, and a loopback base URL not marked private', () => {
    const config = gatewayConfig.parse({
      providers: [
        { id: 'openai', type: 'openai', apiKeyEnv: 'OPENAI_API_KEY' },
        { id: 'mock', type: 'mock', private: true },
        { id: 'ollama', type: 'openai', baseUrl: 'http://127.0.0.1:11434/v1' },
        { id: 'vpc', type: 'openai', baseUrl: 'http://10.0.0.8/v1', private: true },
      ],
    });
    const problems = undeployableProviders(config);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^providers\[1\] "mock": the mock provider/);
    expect(problems[1]).toMatch(/^providers\[2\] "ollama": baseUrl http:\/\/127\.0\.0\.1:11434\/v1 is a loopback address/);
  });

  it('refuses the local demo config, which routes to mock (its Ollama on 127.0.0.1 is marked private)', () => {
    let err: unknown;
    try {
      loadDeployedGatewayConfig('gateway.config.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UndeployableConfigError);
    expect((err as UndeployableConfigError).problems).toEqual([expect.stringMatching(/^providers\[2\] "mock"/)]);
    expect((err as Error).message).toContain('deploy/gateway.config.json');
  });

  it('deploys deploy/gateway.config.json as it is', () => {
    const deployed = loadDeployedGatewayConfig('deploy/gateway.config.json');
    expect(deployed.config.providers.map((p) => p.id)).toEqual(['openai', 'bedrock']);
    expect(deployed.keyedProviders.map((p) => p.secretName)).toEqual(['switchboard/openai']);
  });
});
