// The optional settings: latency routing over three regions, WAF, authorizer caching, tiers and tenant keys,
// Bedrock, a config with several keyed providers, Slack and Teams, a budget; and configs the synth refuses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantUsageKeyValue } from '../../lambdas/adapters/apigateway/usage-keys';
import { ConfigError } from '../../lambdas/core/config/load';
import { loadDeployedGatewayConfig } from '../../lib/config/gateway-config';
import type { SwitchboardApp } from '../../lib/app';
import { MULTI_REGION_CONTEXT, synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

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
    models: [
      {
        name: 'smart',
        targets: [{ provider: 'claude', model: 'claude-sonnet-4' }, { provider: 'br', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' }, { provider: 'br', model: 'amazon.nova-lite-v1:0' }],
        cache: { ttlSeconds: 3600, semantic: { embedding: 'embed', threshold: 0.95, dimensions: 1024 } },
      },
      { name: 'embed', targets: [{ provider: 'br', model: 'amazon.titan-embed-text-v2:0' }] },
    ],
    tiers: { free: { limits: { requestsPerMinute: 10 } }, pro: {} },
    tenants: [
      { id: 'acme', tier: 'pro', apiKeyHashes: ['b'.repeat(64)] },
      { id: 'globex', tier: 'pro', apiKeys: ['sk-local-globex-1'] },
      { id: 'initech' },
    ],
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
    slackWorkspaceId: 'T0123456789',
    slackChannelId: 'C0123456789',
    teamsTenantId: '11111111-2222-3333-4444-555555555555',
    teamsTeamId: '66666666-7777-8888-9999-000000000000',
    teamsChannelId: '19%3Aabc%40thread.tacv2',
    monthlyBudgetUsd: '50',
  });
  east = template(sb.services[0]!);
  sydney = template(sb.services[2]!);
}, SYNTH_TIMEOUT_MS);

describe('latency routing', () => {
  it('creates one latency record per region, each with its health check', () => {
    const records = sb.services.flatMap((s) => Object.values(template(s).findResources('AWS::Route53::RecordSet')).map((r) => r.Properties));
    expect(records.map((r) => [r.Region, r.Failover])).toEqual([
      ['us-east-1', undefined],
      ['eu-west-1', undefined],
      ['ap-southeast-2', undefined],
    ]);
    for (const r of records) expect(r.HealthCheckId).toBeDefined();
  });
});

describe('WAF', () => {
  it('puts a web ACL with a per-IP rate rule on each regional stage, with GET /health exempt and under its own looser rule', () => {
    const [acl] = Object.values(sydney.findResources('AWS::WAFv2::WebACL')).map((a) => a.Properties);
    const health = { ByteMatchStatement: Match.objectLike({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'ENDS_WITH', SearchString: '/health' }) };
    expect(acl).toMatchObject({ Name: 'switchboard-api', Scope: 'REGIONAL' });
    Template.fromJSON({ Resources: { A: { Type: 'X', Properties: acl } } }).hasResourceProperties('X', {
      Rules: [
        Match.objectLike({
          Action: { Block: Match.anyValue() },
          Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', ScopeDownStatement: { NotStatement: { Statement: health } } } },
        }),
        Match.objectLike({ Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', ScopeDownStatement: health } } }),
      ],
    });
    sydney.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: Match.anyValue(), WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] } });
  });
});

describe('authorizer cache', () => {
  it('caches per Authorization header when a TTL is set, and the authorizer reads the key from that header alone', () => {
    east.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 300, IdentitySource: 'method.request.header.Authorization' });
    const authorizer = Object.values(east.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment.Variables.DEPLOYMENT_NAME)!;
    expect(authorizer.Properties.Environment.Variables.CREDENTIAL_HEADER).toBe('authorization');
  });

  it('refuses at synth to cache on a header that carries no key', () => {
    expect(() => synthApp({ authorizerCacheTtl: '60', authorizerCacheHeader: 'x-forwarded-for' })).toThrow(/authorizerCacheHeader/);
  });
});

describe('tiers and tenant keys', () => {
  it("creates a usage plan per tier plus the default, and a key of its own for each config tenant in its tier's plan", () => {
    east.resourceCountIs('AWS::ApiGateway::UsagePlan', 3);
    const plans = east.findResources('AWS::ApiGateway::UsagePlan');
    const planOf = (name: string) => Object.keys(plans).find((id) => plans[id]!.Properties.UsagePlanName === name)!;
    const keys = east.findResources('AWS::ApiGateway::ApiKey');
    expect(Object.values(keys).map((k) => k.Properties.Name).sort()).toEqual(['switchboard-tenant-acme', 'switchboard-tenant-globex', 'switchboard-tenant-initech']);
    const keyOf = (tenant: string) => Object.keys(keys).find((id) => keys[id]!.Properties.Name === `switchboard-tenant-${tenant}`)!;
    const links = Object.values(east.findResources('AWS::ApiGateway::UsagePlanKey')).map((l) => [l.Properties.KeyId.Ref, l.Properties.UsagePlanId.Ref]);
    expect(links).toEqual(
      expect.arrayContaining([
        [keyOf('acme'), planOf('switchboard-pro')],
        [keyOf('globex'), planOf('switchboard-pro')],
        [keyOf('initech'), planOf('switchboard-default')],
      ]),
    );
    expect(links).toHaveLength(3);
    // the value the authorizer derives for the tenant
    expect(keys[keyOf('acme')]!.Properties.Value).toBe(tenantUsageKeyValue('switchboard', 'acme'));
  });

  it('warns about plain apiKeys in a deployed config, which it drops', () => {
    Annotations.fromStack(sb.services[0]!).hasWarning('*', Match.stringLikeRegexp('Tenant "globex" has plain "apiKeys"'));
  });
});

describe('alerts where teams are', () => {
  it('subscribes a Slack and a Teams channel through AWS Chatbot to each region alarm topic, read-only', () => {
    east.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'switchboard-us-east-1-alarms-slack',
      SlackWorkspaceId: 'T0123456789',
      SlackChannelId: 'C0123456789',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertingTopic') }],
    });
    sydney.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      ConfigurationName: 'switchboard-ap-southeast-2-alarms-teams',
      TeamsTenantId: '11111111-2222-3333-4444-555555555555',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertingTopic') }],
    });
    const policies = Object.values(east.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string[] }>);
    expect(policies.flatMap((s) => s.Action)).toEqual(['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage']);
  });

  it('sends budget alerts (80 % actual, 100 % forecast) of a budget on the deployment tag to the same topic, from the primary region only', () => {
    east.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ BudgetName: 'switchboard-monthly', BudgetLimit: { Amount: 50, Unit: 'USD' }, CostFilters: { TagKeyValue: ['user:switchboard:deployment$switchboard'] } }),
      NotificationsWithSubscribers: [
        { Notification: Match.objectLike({ NotificationType: 'ACTUAL', Threshold: 80 }), Subscribers: [{ SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('^AlertingTopic') } }] },
        { Notification: Match.objectLike({ NotificationType: 'FORECASTED', Threshold: 100 }), Subscribers: [Match.objectLike({ SubscriptionType: 'SNS' })] },
      ],
    });
    east.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'budgets.amazonaws.com' }, Action: 'sns:Publish' })]) },
    });
    sydney.resourceCountIs('AWS::Budgets::Budget', 0);
  });
});

describe('keyed providers', () => {
  it('creates a secret per keyed provider, replicated to the other regions', () => {
    const state = template(sb.state);
    state.resourceCountIs('AWS::SecretsManager::Secret', 2);
    // a name the config gives lives under the deployment's name too
    state.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'switchboard/team/anthropic', ReplicaRegions: [{ Region: 'eu-west-1' }, { Region: 'ap-southeast-2' }] });
    state.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'switchboard/groq' });
  });

  it('gives rotation each provider endpoint (type, preset, base URL), so its adapter tests a staged key the way requests use it', () => {
    const rotation = Object.values(template(sb.state).findResources('AWS::Lambda::Function'))[0]!;
    const targets = JSON.parse(rotation.Properties.Environment.Variables.ROTATION_TARGETS as string) as Record<string, { provider: Record<string, unknown> }>;
    expect(targets['switchboard/team/anthropic']!.provider).toMatchObject({ id: 'claude', type: 'anthropic' });
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

  it.each([
    ['the mock provider', { id: 'mock', type: 'mock' }, /providers\[1\] "mock": the mock provider/],
    ['a loopback base URL', { id: 'ollama', type: 'openai', baseUrl: 'http://127.0.0.1:11434/v1' }, /providers\[1\] "ollama": baseUrl http:\/\/127\.0\.0\.1:11434\/v1 is a loopback address/],
    ['a preset whose base URL is loopback', { id: 'local', type: 'openai', preset: 'vllm' }, /providers\[1\] "local": baseUrl http:\/\/127\.0\.0\.1:8000\/v1 is a loopback/],
    ['a link-local base URL', { id: 'meta', type: 'openai', baseUrl: 'http://169.254.169.254/v1' }, /"meta": .* is a link-local address/],
    ['a private base URL', { id: 'lan', type: 'openai', baseUrl: 'https://10.1.2.3/v1' }, /"lan": .* is a private address/],
  ])('fails the synth on %s, naming the provider', (_what, provider, message) => {
    const path = join(dir, `refused-${provider.id}.json`);
    writeFileSync(path, JSON.stringify({ providers: [{ id: 'openai', type: 'openai', apiKeyEnv: 'OPENAI_API_KEY' }, provider] }));
    expect(() => synthApp({ gatewayConfig: path })).toThrow(message);
  });

  it('deploys a private base URL when the provider is marked private (reached through a VPC endpoint)', () => {
    const path = join(dir, 'private.json');
    writeFileSync(path, JSON.stringify({ providers: [{ id: 'vpce', type: 'openai', baseUrl: 'https://10.1.2.3/v1', private: true }] }));
    expect(() => loadDeployedGatewayConfig(path)).not.toThrow();
  });

  it('fails the synth on bad deploy settings before reading anything else', () => {
    expect(() => synthApp({ regions: 'us-east-1,nowhere' })).toThrow(/Invalid deploy settings[\s\S]*regions\[1\]/);
  });
});

describe('semantic cache vectors', () => {
  it('creates the S3 Vectors bucket and one cosine index per embedding dimension in the state stack, retained', () => {
    const state = template(sb.state);
    state.hasResource('AWS::S3Vectors::VectorBucket', { DeletionPolicy: 'Retain', Properties: { VectorBucketName: 'switchboard-cache-vectors' } });
    state.hasResourceProperties('AWS::S3Vectors::Index', { IndexName: 'cache-1024', Dimension: 1024, DistanceMetric: 'cosine', DataType: 'float32' });
    state.resourceCountIs('AWS::S3Vectors::Index', 1);
  });

  it('lets every region’s gateway query and put vectors in the primary region’s indexes, and nothing else there', () => {
    const statements = Object.values(sydney.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const vectors = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3vectors:')));
    expect(vectors).toHaveLength(1);
    expect([vectors[0]!.Action].flat().sort()).toEqual(['s3vectors:GetVectors', 's3vectors:PutVectors', 's3vectors:QueryVectors']);
    expect(JSON.stringify(vectors[0]!.Resource)).toContain(':s3vectors:us-east-1:');
    expect(JSON.stringify(vectors[0]!.Resource)).toContain(':bucket/switchboard-cache-vectors/index/cache-1024');
    const gateway = Object.values(sydney.findResources('AWS::Lambda::Function')).find((f) => /^Switchboard gateway/.test(f.Properties.Description as string))!;
    expect(gateway.Properties.Environment.Variables).toMatchObject({ CACHE_VECTOR_BUCKET: 'switchboard-cache-vectors', CACHE_VECTOR_REGION: 'us-east-1' });
  });
});
