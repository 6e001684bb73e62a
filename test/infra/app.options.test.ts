// The optional settings: latency routing over three regions, WAF, authorizer caching, tiers, Bedrock, and
// a config with several keyed providers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/core/config/load';
import type { SwitchboardApp } from '../../lib/app';
import { MULTI_REGION_CONTEXT, synthApp, template } from './synth';

const dir = mkdtempSync(join(tmpdir(), 'sb-options-'));
const configPath = join(dir, 'gateway.config.json');
writeFileSync(
  configPath,
  JSON.stringify({
    providers: [
      { id: 'claude', type: 'anthropic', apiKeySecret: 'team/anthropic' },
      { id: 'groq', type: 'openai', preset: 'groq', apiKeyEnv: 'GROQ_API_KEY' },
      { id: 'br', type: 'bedrock', region: 'us-west-2' },
    ],
    models: [{ name: 'smart', targets: [{ provider: 'claude', model: 'claude-sonnet-4' }, { provider: 'br', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' }, { provider: 'br', model: 'amazon.nova-lite-v1:0' }] }],
    tiers: { free: { limits: { requestsPerMinute: 10 } }, pro: {} },
    tenants: [{ id: 'acme', tier: 'pro', apiKeyHashes: ['b'.repeat(64)] }],
  }),
);

let sb: SwitchboardApp;
let sydney: Template;
let east: Template;

beforeAll(() => {
  sb = synthApp({
    ...MULTI_REGION_CONTEXT,
    regions: 'us-east-1,eu-west-1,ap-southeast-2',
    routing: 'latency',
    wafRateLimit: '2000',
    authorizerCacheTtl: '300',
    gatewayConfig: configPath,
  });
  east = template(sb.services[0]!);
  sydney = template(sb.services[2]!);
});

describe('latency routing', () => {
  it('creates one latency record per region, each with its health check', () => {
    const records = Object.values(template(sb.dns!).findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
    expect(records.map((r) => [r.Region, r.Failover])).toEqual([
      ['us-east-1', undefined],
      ['eu-west-1', undefined],
      ['ap-southeast-2', undefined],
    ]);
    for (const r of records) expect(r.HealthCheckId).toBeDefined();
  });
});

describe('WAF', () => {
  it('puts a web ACL with a per-IP rate rule on each regional stage', () => {
    sydney.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: [Match.objectLike({ Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } }, Action: { Block: Match.anyValue() } })],
    });
    sydney.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: Match.anyValue(), WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] } });
  });
});

describe('authorizer cache', () => {
  it('caches per Authorization header when a TTL is set', () => {
    east.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 300, IdentitySource: 'method.request.header.Authorization' });
  });
});

describe('tiers', () => {
  it('creates a usage plan per tier plus the default, and tells the authorizer their keys', () => {
    east.resourceCountIs('AWS::ApiGateway::UsagePlan', 3);
    const authorizer = Object.values(east.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment.Variables.USAGE_PLAN_KEYS)!;
    const keys = JSON.parse(authorizer.Properties.Environment.Variables.USAGE_PLAN_KEYS as string) as { default: string; tiers: Record<string, string> };
    expect(Object.keys(keys.tiers).sort()).toEqual(['free', 'pro']);
    const values = Object.values(east.findResources('AWS::ApiGateway::ApiKey')).map((k) => k.Properties.Value as string);
    expect(values.sort()).toEqual([keys.default, ...Object.values(keys.tiers)].sort());
  });
});

describe('keyed providers', () => {
  it('creates a secret per keyed provider, replicated to the other regions', () => {
    const state = template(sb.state);
    state.resourceCountIs('AWS::SecretsManager::Secret', 2);
    state.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'team/anthropic', ReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'ap-southeast-2' }] });
    state.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'switchboard/groq' });
  });

  it('gives rotation each provider endpoint (type, preset, base URL), so its adapter tests a staged key the way requests use it', () => {
    const rotation = Object.values(template(sb.state).findResources('AWS::Lambda::Function'))[0]!;
    const targets = JSON.parse(rotation.Properties.Environment.Variables.ROTATION_TARGETS as string) as Record<string, { provider: Record<string, unknown> }>;
    expect(targets['team/anthropic']!.provider).toMatchObject({ id: 'claude', type: 'anthropic' });
    expect(targets['switchboard/groq']!.provider).toMatchObject({ type: 'openai', preset: 'groq' });
  });
});

describe('Bedrock', () => {
  it('grants invoke on the routed models only: foundation models in their region, profiles and their models', () => {
    const statements = Object.values(east.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
    );
    const bedrock = statements.filter((s) => JSON.stringify(s.Action).includes('bedrock:'));
    expect(bedrock.length).toBeGreaterThan(0);
    for (const s of bedrock) {
      expect(s.Action).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
      const resources = JSON.stringify(s.Resource);
      expect(resources).toContain(':bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0');
      expect(resources).toContain(':inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0');
      expect(resources).toContain(':bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
    }
  });
});

describe('a bad gateway config', () => {
  it('fails the synth with every problem listed', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ providers: [{ id: 'x', type: 'nope' }], tenants: [{ id: 'Bad Id' }] }));
    let err: unknown;
    try {
      synthApp({ gatewayConfig: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/providers\[0\]\.type[\s\S]*tenants\[0\]\.id/);
  });

  it('fails the synth on bad deploy settings before reading anything else', () => {
    expect(() => synthApp({ regions: 'us-east-1,nowhere' })).toThrow(/Invalid deploy settings[\s\S]*regions\[1\]/);
  });
});
