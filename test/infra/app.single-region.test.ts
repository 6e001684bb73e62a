// `npx cdk synth` with no context: one environment-agnostic state stack and one service stack.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../lambdas/adapters/dynamodb/tables';
import type { SwitchboardApp } from '../../lib/app';
import { allPolicyActions, synthApp, template } from './synth';

let sb: SwitchboardApp;
let state: Template;
let service: Template;

beforeAll(() => {
  delete process.env.CDK_DEFAULT_REGION;
  sb = synthApp();
  state = template(sb.state);
  service = template(sb.services[0]!);
});

describe('single region, no context', () => {
  it('builds one state and one service stack, environment-agnostic, and no DNS stack', () => {
    expect(sb.services).toHaveLength(1);
    expect(sb.dns).toBeUndefined();
    expect(sb.state.stackName).toBe('Switchboard-State');
    expect(sb.services[0]!.stackName).toBe('Switchboard-Service');
    expect(sb.services[0]!.environment).toBe('aws://unknown-account/unknown-region');
  });
});

describe('state tables', () => {
  it('creates the four tables from the shared definitions: pk/sk strings, on demand, PITR, deletion protection, retained', () => {
    for (const def of Object.values(TABLES)) {
      state.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          TableName: def.localName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Replicas: [Match.objectLike({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
        }),
      });
    }
  });

  it('turns TTL on exactly where the definition has a TTL attribute', () => {
    for (const def of Object.values(TABLES)) {
      const ttl = 'ttlAttribute' in def ? { AttributeName: 'expiresAt', Enabled: true } : Match.absent();
      state.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: def.localName, TimeToLiveSpecification: ttl });
    }
  });
});

describe('provider secrets', () => {
  it('creates one secret per keyed provider, starting with an empty apiKey, retained', () => {
    state.resourceCountIs('AWS::SecretsManager::Secret', 1);
    state.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Name: 'switchboard/openai', SecretString: Match.stringLikeRegexp('"apiKey":""') }),
    });
  });

  it('rotates it with the rotation function every 90 days, not on deploy', () => {
    state.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProviderSecretsRotation'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(90 days)' },
      RotateImmediatelyOnUpdate: false,
    });
  });

  it('tells the rotation function which provider a key is for, so its adapter can test a staged key', () => {
    state.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ROTATION_TARGETS: Match.serializedJson({
            'switchboard/openai': { kind: 'provider-key', provider: Match.objectLike({ id: 'openai', type: 'openai' }) },
          }),
        }),
      },
    });
  });
});

describe('functions', () => {
  it('run Node 24 on arm64 with active tracing, JSON logs into their own retained-for-30-days log group', () => {
    const functions = service.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
      });
      expect(fn.Properties.MemorySize).toBeGreaterThanOrEqual(256);
      expect(fn.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'Switchboard', POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^switchboard-/) });
    }
    service.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the gateway 512 MB, a timeout past the 5-minute integration, and the table names from TABLES', () => {
    service.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Switchboard gateway'),
      MemorySize: 512,
      Timeout: 330,
      Environment: {
        Variables: Match.objectLike({
          ...Object.fromEntries(Object.values(TABLES).map((d) => [d.envVar, d.localName])),
          ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^AlertingTopic') },
          SECRET_CACHE_TTL_MS: '60000',
          SWITCHBOARD_VERSION: Match.stringLikeRegexp('^\\d+\\.\\d+\\.\\d+'),
        }),
      },
    });
  });

  it('grants the gateway read/write on state tables, read only on tenants, its secret by name, publish on the topic', () => {
    const gatewayPolicy = Object.values(service.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes('GatewayRole'),
    )!;
    const statements = gatewayPolicy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>;
    const on = (fragment: string) => statements.filter((s) => JSON.stringify(s.Resource).includes(fragment)).flatMap((s) => [s.Action].flat());
    expect(on('table/switchboard-cost-ledger')).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem']));
    expect(on('table/switchboard-tenants')).toContain('dynamodb:GetItem');
    expect(on('table/switchboard-tenants')).not.toContain('dynamodb:PutItem');
    expect(on('secret:switchboard/openai-??????')).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    expect(statements.find((s) => [s.Action].flat().includes('sns:Publish'))!.Resource).toEqual({ Ref: expect.stringMatching(/^AlertingTopic/) });
  });

  it('bundles the gateway config into a gateway bundle under 250 KB, without the plain keys, and warns about them', () => {
    const gateway = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => /^Switchboard gateway/.test(f.Properties.Description as string))!;
    const hash = (gateway.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const bundle = readFileSync(join(sb.app.outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
    expect(bundle.length).toBeLessThanOrEqual(250 * 1024);
    expect(bundle).toContain('switchboard/openai'); // the config, with the secret name the deploy gave openai
    expect(bundle).not.toContain('sk-local-acme-1');
    Annotations.fromStack(sb.services[0]!).hasWarning('*', Match.stringLikeRegexp('Tenant "acme" has plain "apiKeys"'));
  });
});

describe('API', () => {
  const methods = () => service.findResources('AWS::ApiGateway::Method');

  it('is a regional REST API whose keys come from the authorizer', () => {
    service.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] }, ApiKeySourceType: 'AUTHORIZER' });
  });

  it('streams every route to the gateway function through response-streaming invocations', () => {
    const all = Object.values(methods());
    expect(all).toHaveLength(7);
    for (const m of all) {
      expect(m.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', ResponseTransferMode: 'STREAM', TimeoutInMillis: 300_000 });
      expect(JSON.stringify(m.Properties.Integration.Uri)).toContain('/response-streaming-invocations');
    }
  });

  it('authorizes /v1 with the key authorizer and a usage-plan key, /iam/v1 with SigV4, and leaves /health open', () => {
    const byAuth = (type: string) => Object.values(methods()).filter((m) => m.Properties.AuthorizationType === type);
    expect(byAuth('CUSTOM')).toHaveLength(3);
    for (const m of byAuth('CUSTOM')) expect(m.Properties).toMatchObject({ ApiKeyRequired: true, AuthorizerId: { Ref: expect.stringMatching(/KeyAuthorizer/) } });
    expect(byAuth('AWS_IAM')).toHaveLength(3);
    for (const m of byAuth('AWS_IAM')) expect(m.Properties.ApiKeyRequired).toBeUndefined();
    expect(byAuth('NONE')).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ HttpMethod: 'GET' }) })]);
  });

  it('runs a REQUEST authorizer without identity sources or cache, so Bearer and x-api-key both work', () => {
    service.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0, IdentitySource: '' });
  });

  it('hands the authorizer the usage-plan key of each plan; the plan throttles and covers the stage', () => {
    service.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 100, BurstLimit: 200 },
      ApiStages: [Match.objectLike({ Stage: { Ref: Match.stringLikeRegexp('DeploymentStage') } })],
    });
    // the default gateway.config.json defines the tiers low, standard and premium: a plan each, plus default
    const keys = Object.values(service.findResources('AWS::ApiGateway::ApiKey')).map((k) => k.Properties.Value as string).sort();
    const authorizer = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment.Variables.USAGE_PLAN_KEYS)!;
    const planKeys = JSON.parse(authorizer.Properties.Environment.Variables.USAGE_PLAN_KEYS as string) as { default: string; tiers: Record<string, string> };
    expect(Object.keys(planKeys.tiers).sort()).toEqual(['low', 'premium', 'standard']);
    expect([planKeys.default, ...Object.values(planKeys.tiers)].sort()).toEqual(keys);
    service.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 4);
  });

  it('validates chat and embeddings bodies against minimal models', () => {
    service.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'ChatCompletionRequest',
      Schema: Match.objectLike({ required: ['model', 'messages'] }),
    });
    const chat = Object.values(methods()).filter((m) => JSON.stringify(m.Properties.RequestModels ?? {}).includes('ChatCompletionRequest'));
    expect(chat).toHaveLength(2);
    for (const m of chat) expect(m.Properties.RequestValidatorId).toEqual({ Ref: expect.stringMatching(/BodyValidator/) });
  });

  it('logs access as JSON with the tenant, throttles the stage, traces, and keeps bodies out of execution logs', () => {
    service.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"tenantId":"\\$context.authorizer.tenantId"') },
      MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400, DataTraceEnabled: false, LoggingLevel: 'ERROR' })],
    });
  });

  it("answers API Gateway's own errors in OpenAI's shape", () => {
    service.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseTemplates: { 'application/json': Match.serializedJson({ error: Match.objectLike({ code: 'invalid_api_key', type: 'invalid_request_error' }) }) },
    });
    service.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'THROTTLED', StatusCode: '429' });
  });

  it('lets only this API invoke the gateway function', () => {
    const permissions = Object.values(service.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes('Gateway'),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({ Principal: 'apigateway.amazonaws.com', SourceArn: expect.anything() });
  });

  it('has no WAF unless wafRateLimit is set', () => {
    service.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
});

describe('health check', () => {
  it('runs the health-check function every minute without retries, one run at a time', () => {
    service.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HealthCheckFunction'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
    service.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('health check'), ReservedConcurrentExecutions: 1 });
  });

  it('sweeps expired budget leases, and names no REGIONS: the one region owns every item', () => {
    const functions = Object.values(service.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment?.Variables ?? {});
    expect(functions.filter((env) => env.SWEEP_LEASES === 'true')).toHaveLength(1);
    for (const env of functions) expect(env.REGIONS).toBeUndefined();
  });
});

describe('alerting', () => {
  it('encrypts the topic with a rotating customer key CloudWatch may use, and denies non-TLS publishing', () => {
    service.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertingTopicKey'), 'Arn'] } });
    service.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
    });
    service.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('has the required alarms, every one with an action on the topic', () => {
    const alarms = service.findResources('AWS::CloudWatch::Alarm');
    const names = Object.keys(alarms).join(' ');
    for (const id of ['ServerErrorRate', 'LatencyP99', 'GatewayFunctionErrors', 'FunctionThrottles', 'DynamoDbThrottles', 'BreakerOpened', 'BudgetThreshold', 'NoHealthyProvider', 'ProviderUnhealthy']) {
      expect(names).toContain(id);
    }
    for (const alarm of Object.values(alarms)) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertingTopic/) }]);
    const [composite] = Object.values(service.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(JSON.stringify(composite!.Properties.AlarmRule)).toMatch(/ServerErrorRate.*GatewayFunctionErrors.*NoHealthyProvider/);
    expect(composite!.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertingTopic/) }]);
  });

  it('watches the custom metrics across all their dimensions with Metrics Insights', () => {
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: 'SELECT SUM(BreakerOpened) FROM Switchboard' })],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: 'SELECT MAX(ProviderHealthy) FROM Switchboard' })],
      TreatMissingData: 'breaching',
    });
  });

  it('has no email subscription without alarmEmails', () => {
    service.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('dashboard', () => {
  it('shows traffic, latency percentiles, errors by code, refusals, breakers, fallbacks, cost by tenant and provider, cache hits', () => {
    const body = JSON.stringify(Object.values(service.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const needle of ['Requests', 'p50', 'p95', 'p99', 'Errors by code', 'RateLimited', 'BudgetExceeded', 'BreakerState', 'Fallbacks', 'Cost by tenant', 'Cost by provider', 'CacheHits']) {
      expect(body).toContain(needle);
    }
  });
});

describe('IAM', () => {
  it('names every action: no wildcard in any policy of any stack', () => {
    for (const stack of [sb.state, ...sb.services]) {
      const wildcards = allPolicyActions(template(stack)).filter((a) => a.includes('*'));
      expect(wildcards, stack.stackName).toEqual([]);
    }
  });
});
