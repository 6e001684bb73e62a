// `npx cdk synth` with no context: one environment-agnostic state stack and one service stack.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../lambdas/adapters/dynamodb/tables';
import type { SwitchboardApp } from '../../lib/app';
import { allPolicyActions, synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

let sb: SwitchboardApp;
let state: Template;
let service: Template;

beforeAll(() => {
  delete process.env.CDK_DEFAULT_REGION;
  sb = synthApp();
  state = template(sb.state);
  service = template(sb.services[0]!);
}, SYNTH_TIMEOUT_MS);

describe('single region, no context', () => {
  it('builds one state and one service stack, environment-agnostic, named after the default deployment', () => {
    expect(sb.services).toHaveLength(1);
    expect(sb.state.stackName).toBe('switchboard-state');
    expect(sb.services[0]!.stackName).toBe('switchboard-service');
    expect(sb.services[0]!.environment).toBe('aws://unknown-account/unknown-region');
  });

  it('deploys deploy/gateway.config.json by default: real providers, no mock, no loopback', () => {
    expect(sb.settings.gatewayConfig).toBe('deploy/gateway.config.json');
    const gateway = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => /^Switchboard gateway/.test(f.Properties.Description as string))!;
    const hash = (gateway.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const bundle = readFileSync(join(sb.app.outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
    // the bundled config: openai and bedrock, and no mock provider entry (booleans: a failure must not print the bundle)
    expect(bundle.includes('"id":"openai","type":"openai"')).toBe(true);
    expect(bundle.includes('"id":"bedrock","type":"bedrock"')).toBe(true);
    expect(bundle.includes('"type":"mock"')).toBe(false);
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
  it('creates one secret per keyed provider, named under the deployment, starting with an empty apiKey, retained', () => {
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

  it('lets Secrets Manager invoke the rotation function only from this account and for this secret', () => {
    const permissions = Object.values(state.findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { Ref: expect.stringMatching(/^ProviderSecretsSecretswitchboardopenai/) },
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
  it('run Node 24 on arm64, JSON logs without platform lines into their own retained-for-30-days log group', () => {
    const functions = service.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'WARN', LogGroup: expect.anything() },
      });
      expect(fn.Properties.MemorySize).toBeGreaterThanOrEqual(256);
      expect(fn.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'Switchboard', POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^switchboard-/) });
    }
    service.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, LogGroupName: Match.stringLikeRegexp('^/switchboard/') });
  });

  it('traces the request path, not the every-minute health check', () => {
    const functions = Object.values(service.findResources('AWS::Lambda::Function'));
    const traced = functions.filter((f) => f.Properties.TracingConfig?.Mode === 'Active').map((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string);
    expect(traced.sort()).toEqual(['switchboard-authorizer', 'switchboard-gateway']);
  });

  it('reserves no concurrency anywhere: accounts with a quota of 10 or 50 would roll back', () => {
    for (const stack of [sb.state, ...sb.services]) {
      for (const fn of Object.values(template(stack).findResources('AWS::Lambda::Function'))) {
        expect(fn.Properties.ReservedConcurrentExecutions, stack.stackName).toBeUndefined();
      }
    }
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

  it('bundles the gateway config into a gateway bundle under 360 KiB (DESIGN says 250: three doors, the cache, guardrails, history and the batch API do not fit it, see docs/deploy.md)', () => {
    const gateway = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => /^Switchboard gateway/.test(f.Properties.Description as string))!;
    const hash = (gateway.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const bundle = readFileSync(join(sb.app.outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
    expect(bundle.length).toBeLessThanOrEqual(360 * 1024);
    expect(bundle).toContain('switchboard/openai'); // the config, with the secret name the deploy gave openai
  });
});

describe('API', () => {
  const methods = () => service.findResources('AWS::ApiGateway::Method');
  /** an API Gateway resource's path, from its parents' path parts */
  let resources: ReturnType<Template['findResources']> | undefined;
  const pathOf = (id: string): string => {
    const r = (resources ??= service.findResources('AWS::ApiGateway::Resource'))[id];
    if (!r) return '';
    const parent = r.Properties.ParentId as { Ref?: string };
    return `${parent.Ref ? pathOf(parent.Ref) : ''}/${r.Properties.PathPart as string}`;
  };

  it('is a regional REST API whose keys come from the authorizer', () => {
    service.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] }, ApiKeySourceType: 'AUTHORIZER' });
  });

  it('streams every route to the gateway function through response-streaming invocations', () => {
    const all = Object.values(methods());
    // /health, then on each of /v1 and /iam/v1: chat, embeddings, {proxy+}, messages, count_tokens, the Responses door's five, and request history's two
    expect(all).toHaveLength(25);
    for (const m of all) {
      expect(m.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', ResponseTransferMode: 'STREAM', TimeoutInMillis: 300_000 });
      expect(JSON.stringify(m.Properties.Integration.Uri)).toContain('/response-streaming-invocations');
    }
  });

  it('authorizes /v1 with the key authorizer and a usage-plan key, /iam/v1 with SigV4, and leaves /health open', () => {
    const byAuth = (type: string) => Object.values(methods()).filter((m) => m.Properties.AuthorizationType === type);
    expect(byAuth('CUSTOM')).toHaveLength(12);
    for (const m of byAuth('CUSTOM')) expect(m.Properties).toMatchObject({ ApiKeyRequired: true, AuthorizerId: { Ref: expect.stringMatching(/KeyAuthorizer/) } });
    expect(byAuth('AWS_IAM')).toHaveLength(12);
    for (const m of byAuth('AWS_IAM')) expect(m.Properties.ApiKeyRequired).toBeUndefined();
    expect(byAuth('NONE')).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ HttpMethod: 'GET' }) })]);
  });

  it('routes the Anthropic Messages door (messages and count_tokens) on the key and the IAM paths, streamed, its bodies left to the function', () => {
    const routes = Object.values(methods())
      .map((m) => ({ path: pathOf((m.Properties.ResourceId as { Ref: string }).Ref), m }))
      .filter(({ path }) => path.includes('/messages'));
    expect(routes.map((r) => `${r.m.Properties.HttpMethod as string} ${r.path}`).sort()).toEqual([
      'POST /iam/v1/messages',
      'POST /iam/v1/messages/count_tokens',
      'POST /v1/messages',
      'POST /v1/messages/count_tokens',
    ]);
    for (const { path, m } of routes) {
      expect(m.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', ResponseTransferMode: 'STREAM' });
      expect(m.Properties.AuthorizationType).toBe(path.startsWith('/iam') ? 'AWS_IAM' : 'CUSTOM');
      expect(m.Properties.RequestModels).toBeUndefined();
      expect(m.Properties.RequestValidatorId).toEqual({ Ref: expect.stringMatching(/ParameterValidator/) });
    }
  });

  it('runs a REQUEST authorizer without identity sources or cache, so Bearer and x-api-key both work', () => {
    service.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0, IdentitySource: '' });
  });

  it('has a usage plan per tier and default, each throttling and covering the stage; the authorizer knows the deployment', () => {
    service.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 100, BurstLimit: 200 },
      ApiStages: [Match.objectLike({ Stage: { Ref: Match.stringLikeRegexp('DeploymentStage') } })],
    });
    // deploy/gateway.config.json defines the tiers low, standard and premium: a plan each, plus default
    const plans = Object.values(service.findResources('AWS::ApiGateway::UsagePlan')).map((p) => p.Properties.UsagePlanName as string);
    expect(plans.sort()).toEqual(['switchboard-default', 'switchboard-low', 'switchboard-premium', 'switchboard-standard']);
    // it lists no tenant: their keys come with them from the CLI
    service.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    const authorizer = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment.Variables.DEPLOYMENT_NAME)!;
    expect(authorizer.Properties.Environment.Variables.DEPLOYMENT_NAME).toBe('switchboard');
    expect(authorizer.Properties.Environment.Variables.CREDENTIAL_HEADER).toBeUndefined();
  });

  it('throttles the IAM routes per method, in place of the usage plan an IAM-signed request cannot name', () => {
    const stage = Object.values(service.findResources('AWS::ApiGateway::Stage'))[0]!;
    const settings = stage.Properties.MethodSettings as Array<{ ResourcePath: string; ThrottlingRateLimit: number }>;
    const iam = settings.filter((m) => m.ResourcePath.startsWith('/~1iam'));
    expect(iam).toHaveLength(12);
    expect(iam.map((m) => m.ResourcePath)).toEqual(
      expect.arrayContaining(['/~1iam~1v1~1responses', '/~1iam~1v1~1responses~1{id}', '/~1iam~1v1~1responses~1{id}~1input_items', '/~1iam~1v1~1responses~1{id}~1cancel', '/~1iam~1v1~1requests', '/~1iam~1v1~1requests~1{id}']),
    );
    for (const m of iam) expect(m.ThrottlingRateLimit).toBe(100);
  });

  it('routes the Responses door on the key and IAM paths: POST /responses checked for a model, the stored turns under /responses/{id}', () => {
    const routes = Object.values(methods()).map((m) => `${m.Properties.HttpMethod as string} ${pathOf((m.Properties.ResourceId as { Ref: string }).Ref)} ${m.Properties.AuthorizationType as string}`);
    for (const [prefix, auth] of [['/v1', 'CUSTOM'], ['/iam/v1', 'AWS_IAM']]) {
      expect(routes).toEqual(
        expect.arrayContaining([
          `POST ${prefix}/responses ${auth}`,
          `GET ${prefix}/responses/{id} ${auth}`,
          `DELETE ${prefix}/responses/{id} ${auth}`,
          `GET ${prefix}/responses/{id}/input_items ${auth}`,
          `POST ${prefix}/responses/{id}/cancel ${auth}`,
        ]),
      );
    }
    service.hasResourceProperties('AWS::ApiGateway::Model', { Name: 'ResponsesRequest', Schema: Match.objectLike({ required: ['model'] }) });
    const post = Object.values(methods()).find((m) => m.Properties.HttpMethod === 'POST' && pathOf((m.Properties.ResourceId as { Ref: string }).Ref) === '/v1/responses')!;
    expect(post.Properties.RequestModels).toEqual({ 'application/json': { Ref: expect.stringMatching(/ResponsesRequest/) } });
  });

  it('never traces GET /health and samples the rest without a reservoir', () => {
    service.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ RuleName: 'switchboard-health', URLPath: '*/health', FixedRate: 0, ReservoirSize: 0, ServiceName: 'switchboard/prod' }),
    });
    service.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ RuleName: 'switchboard-api', URLPath: '*', FixedRate: 0.05, ReservoirSize: 0 }),
    });
    const rules = Object.values(service.findResources('AWS::XRay::SamplingRule')).map((r) => r.Properties.SamplingRule as { RuleName: string; Priority: number });
    expect(rules.find((r) => r.RuleName.endsWith('health'))!.Priority).toBeLessThan(rules.find((r) => r.RuleName.endsWith('api'))!.Priority);
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
      MethodSettings: Match.arrayWith([Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400, DataTraceEnabled: false, LoggingLevel: 'ERROR' })]),
    });
  });

  it("answers API Gateway's own errors in OpenAI's shape", () => {
    service.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseTemplates: { 'application/json': Match.serializedJson({ error: Match.objectLike({ code: 'invalid_api_key', type: 'invalid_request_error' }) }) },
    });
    service.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'THROTTLED', StatusCode: '429' });
    // a tenant without its usage-plan key in this region: the operator's fix is named
    service.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'INVALID_API_KEY',
      StatusCode: '403',
      ResponseTemplates: { 'application/json': Match.serializedJson({ error: Match.objectLike({ code: 'usage_plan_key_missing' }) }) },
    });
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
  it('runs the health-check function every minute without retries; it calls the region\'s own /health', () => {
    service.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HealthCheckFunction'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
    const fn = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => /health check/.test(f.Properties.Description as string))!;
    expect(fn.Properties.Timeout).toBeLessThan(60);
    const url = JSON.stringify(fn.Properties.Environment.Variables.REGION_HEALTH_URL);
    expect(url).toContain('.execute-api.');
    expect(url).toMatch(/DeploymentStageprod[^"]*"\},"\/health"/);
  });

  it('sweeps expired budget leases, and names no REGIONS: the one region owns every item', () => {
    const functions = Object.values(service.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment?.Variables ?? {});
    expect(functions.filter((env) => env.SWEEP_LEASES === 'true')).toHaveLength(1);
    for (const env of functions) expect(env.REGIONS).toBeUndefined();
  });
});

describe('alerting', () => {
  it('denies non-TLS publishing; no customer key unless encryptAlarmTopic (it would cost $1 a month a region)', () => {
    service.resourceCountIs('AWS::KMS::Key', 0);
    service.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'switchboard-alarms', KmsMasterKeyId: Match.absent() });
    service.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('has the required alarms, named after the deployment, every one with an action on the topic', () => {
    const alarms = Object.values(service.findResources('AWS::CloudWatch::Alarm'));
    const names = alarms.map((a) => a.Properties.AlarmName as string).sort();
    expect(names).toEqual(
      [
        'AuthorizerFunctionErrors', 'BreakerOpened', 'BudgetThreshold', 'DynamoDbThrottles', 'GatewayFunctionErrors', 'GatewayFunctionThrottles',
        'LatencyP99', 'ProviderUnhealthy', 'RegionUnhealthy', 'SecretRotationFunctionErrors', 'ServerErrorRate',
      ].map((n) => `switchboard-${n}`),
    );
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertingTopic/) }]);
    service.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
  });

  it('alarms on p99 time to first byte, not on API latency to the last byte (long streams would trip it)', () => {
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'switchboard-LatencyP99',
      Namespace: 'Switchboard',
      MetricName: 'TimeToFirstByte',
      Dimensions: [{ Name: 'service', Value: 'switchboard-gateway' }],
      ExtendedStatistic: 'p99',
      Threshold: 60_000,
    });
  });

  it('watches the custom metrics across all their dimensions with Metrics Insights', () => {
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: 'SELECT SUM(BreakerOpened) FROM Switchboard' })],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp('^SELECT SUM\\(ThrottledRequests\\) FROM SCHEMA\\("AWS/DynamoDB", Operation, TableName\\) WHERE TableName = \'switchboard-breaker-state\' OR ') })],
    });
  });

  it('alarms when the region fails its own /health two minutes running, or the check goes silent', () => {
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'switchboard-RegionUnhealthy',
      Namespace: 'Switchboard',
      MetricName: 'RegionHealthy',
      Dimensions: [{ Name: 'service', Value: 'switchboard-health-check' }],
      Statistic: 'Minimum',
      Period: 60,
      EvaluationPeriods: 2,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('has no email subscription without alarmEmails', () => {
    service.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('dashboard', () => {
  it('shows traffic, latency percentiles, errors by code, refusals, breakers, fallbacks, cost by tenant and provider, region health, cache hits and misses, guardrail actions', () => {
    const body = JSON.stringify(Object.values(service.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const needle of ['Requests', 'p50', 'p95', 'p99', 'TimeToFirstByte', 'Errors by code', 'RateLimited', 'BudgetExceeded', 'BreakerState', 'Fallbacks', 'Cost by tenant', 'Cost by provider', 'RegionHealthy', 'CacheHits', 'CacheMisses', 'Guardrail actions']) {
      expect(body).toContain(needle);
    }
    // one line per Action and Direction, with the dimension set the guard emits it under (plus Powertools' service)
    expect(body.replace(/\\+"/g, '"')).toMatch(/SEARCH\('\{Switchboard[^,}]*,Action,Direction,service\} MetricName="GuardrailActions"', 'Sum', 60\)/);
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

describe('response cache table', () => {
  it('is a state table with TTL, and the gateway may only GetItem and PutItem on it (no Query, Scan, Update, Delete)', () => {
    state.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: TABLES.responseCache.localName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const statements = Object.values(service.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
    );
    const onCache = statements.filter((s) => JSON.stringify(s.Resource).includes(TABLES.responseCache.localName.replace(/^switchboard-/, '')));
    expect(onCache.length).toBeGreaterThan(0);
    expect([...new Set(onCache.flatMap((s) => [s.Action].flat()))].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    const gateway = Object.values(service.findResources('AWS::Lambda::Function')).find((f) => /^Switchboard gateway/.test(f.Properties.Description as string))!;
    expect(gateway.Properties.Environment.Variables[TABLES.responseCache.envVar]).toBeDefined();
  });
});
