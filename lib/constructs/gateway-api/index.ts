// GatewayApi: the REST API in front of the gateway function. Every route streams (ResponseTransferMode.STREAM)
// to the one response-streaming gateway function:
//   GET  /health                 no auth (Route 53 probes it)
//   /v1/…                        API key (Lambda REQUEST authorizer) + usage plans (key source AUTHORIZER)
//   /iam/v1/…                    IAM (SigV4); the gateway maps requestContext.identity.userArn to a tenant
// plus request validation, JSON access logs, stage throttling, OpenAI-shaped gateway errors, optional WAF.
import { Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKey,
  ApiKeySourceType,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseTransferMode,
  ResponseType,
  RestApi,
  type IResource,
  type MethodOptions,
  type Model,
  type RequestValidator,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { SwitchboardFunction } from '../gateway-function';

export interface Throttle {
  /** steady requests per second */
  readonly rateLimit: number;
  /** bucket size */
  readonly burstLimit: number;
}

export interface GatewayApiProps {
  /** the response-streaming gateway function that serves every route */
  readonly gatewayFunction: IFunction;
  /** the tenants table the authorizer reads keys from */
  readonly tenantsTable: ITable;
  /** esbuild `define` entries for the authorizer bundle (the gateway config, for config-file key hashes) */
  readonly authorizerDefine: Record<string, string>;
  /**
   * Tiers from the gateway config: each gets its own usage plan, so one tier's flood cannot use up another's
   * share. Exact per-tenant limits are the gateway's job (DynamoDB counters); plans are a coarse shield.
   * @default [] (one default plan)
   */
  readonly tiers?: readonly string[];
  /** @default { rateLimit: 100, burstLimit: 200 } for every plan */
  readonly planThrottle?: Throttle;
  /** per-tier overrides of planThrottle @default {} */
  readonly tierThrottles?: Readonly<Record<string, Throttle>>;
  /** applies to every method of the stage @default { rateLimit: 200, burstLimit: 400 } */
  readonly stageThrottle?: Throttle;
  /**
   * How long API Gateway caches the authorizer's answer per key. Zero keeps both key headers working: a
   * REQUEST authorizer only caches by identity sources that every request must carry, so a non-zero TTL
   * makes `Authorization` the identity source and requests with only `x-api-key` get 401.
   * @default Duration.seconds(0)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Integration and gateway function timeout. Streamed responses may run up to 15 minutes.
   * @default Duration.minutes(5)
   */
  readonly integrationTimeout?: Duration;
  /** requests per 5 minutes per client IP behind a WAF rate rule @default - no web ACL */
  readonly wafRateLimit?: number;
  /** @default 'prod' */
  readonly stageName?: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
}

/** OpenAI-shaped error bodies for what API Gateway itself answers (before the gateway function runs). */
function openAiError(code: string, type: string, message: string): Record<string, string> {
  return { 'application/json': JSON.stringify({ error: { message, type, code, param: null } }) };
}

const GATEWAY_ERRORS: Array<{ type: ResponseType; status: string; code: string; errorType: string; message: string }> = [
  { type: ResponseType.UNAUTHORIZED, status: '401', code: 'invalid_api_key', errorType: 'invalid_request_error',
    message: 'Missing or incorrect API key. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".' },
  { type: ResponseType.ACCESS_DENIED, status: '403', code: 'access_denied', errorType: 'permission_error',
    message: 'This caller may not use this route.' },
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: '404', code: 'not_found', errorType: 'invalid_request_error',
    message: 'No such route, or (on /iam/) the request is not SigV4-signed.' },
  { type: ResponseType.INVALID_SIGNATURE, status: '403', code: 'invalid_signature', errorType: 'permission_error',
    message: 'The SigV4 signature does not match.' },
  { type: ResponseType.EXPIRED_TOKEN, status: '403', code: 'expired_token', errorType: 'permission_error',
    message: 'The SigV4 credentials have expired.' },
  { type: ResponseType.BAD_REQUEST_BODY, status: '400', code: 'invalid_request', errorType: 'invalid_request_error',
    message: 'The body must be a JSON object with "model" and "messages" (chat) or "model" and "input" (embeddings).' },
  { type: ResponseType.REQUEST_TOO_LARGE, status: '413', code: 'request_too_large', errorType: 'invalid_request_error',
    message: 'The request body is too large.' },
  { type: ResponseType.THROTTLED, status: '429', code: 'rate_limit_exceeded', errorType: 'requests',
    message: 'Too many requests: the gateway is throttling this API or tier. Retry after a short wait.' },
  { type: ResponseType.QUOTA_EXCEEDED, status: '429', code: 'rate_limit_exceeded', errorType: 'requests',
    message: 'The usage plan quota is used up.' },
  { type: ResponseType.INTEGRATION_TIMEOUT, status: '504', code: 'timeout', errorType: 'timeout_error',
    message: 'The gateway did not answer in time.' },
  { type: ResponseType.AUTHORIZER_FAILURE, status: '503', code: 'authorizer_unavailable', errorType: 'api_error',
    message: 'The API key could not be checked right now. Retry shortly.' },
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: '503', code: 'authorizer_unavailable', errorType: 'api_error',
    message: 'The API key could not be checked right now. Retry shortly.' },
  { type: ResponseType.DEFAULT_5XX, status: '502', code: 'upstream_error', errorType: 'api_error',
    message: 'The gateway failed to answer.' },
];

export class GatewayApi extends Construct {
  readonly api: RestApi;
  readonly authorizerFunction: SwitchboardFunction;
  /** tier → API Gateway API key value (`default` for tenants without a tier) */
  readonly usagePlanKeys: { default: string; tiers: Record<string, string> };
  readonly webAcl?: CfnWebACL;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const stageThrottle = props.stageThrottle ?? { rateLimit: 200, burstLimit: 400 };
    const cacheTtl = props.authorizerCacheTtl ?? Duration.seconds(0);

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: `switchboard-${Stack.of(this).stackName}`,
      description: 'Switchboard: OpenAI-compatible AI gateway',
      // regional: a streamed response may idle 5 minutes between chunks (edge-optimized endpoints: 30 s)
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      // execution logs (level ERROR) need the account-level CloudWatch role of API Gateway in this region
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTimeEpoch',
            method: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integration.latency',
            tenantId: '$context.authorizer.tenantId',
            iamCaller: '$context.identity.userArn',
            errorType: '$context.error.responseType',
            error: '$context.error.message',
            wafStatus: '$context.waf.status',
          }),
        ),
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // request and response bodies are prompts and completions: never in execution logs
        dataTraceEnabled: false,
        metricsEnabled: false,
        throttlingRateLimit: stageThrottle.rateLimit,
        throttlingBurstLimit: stageThrottle.burstLimit,
      },
    });
    for (const e of GATEWAY_ERRORS) {
      this.api.addGatewayResponse(`Error${e.type.responseType}`, {
        type: e.type,
        statusCode: e.status,
        templates: openAiError(e.code, e.errorType, e.message),
      });
    }

    this.authorizerFunction = new SwitchboardFunction(this, 'Authorizer', {
      entry: 'lambdas/handlers/authorizer.ts',
      description: 'Switchboard API key authorizer: Bearer or x-api-key to tenant and usage plan',
      serviceName: 'switchboard-authorizer',
      // one cached DynamoDB read per key and a SHA-256: small and fast
      memorySize: 256,
      timeout: Duration.seconds(10),
      define: props.authorizerDefine,
    });
    this.authorizerFunction.bindTable(props.tenantsTable, 'tenants', 'read');
    const authorizer = new RequestAuthorizer(this, 'KeyAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: cacheTtl.toSeconds() > 0 ? [IdentitySource.header('Authorization')] : [],
      resultsCacheTtl: cacheTtl,
    });

    this.usagePlanKeys = this.createUsagePlans(props);
    this.authorizerFunction.addEnvironment('USAGE_PLAN_KEYS', JSON.stringify(this.usagePlanKeys));

    const integration = new LambdaIntegration(props.gatewayFunction, {
      responseTransferMode: ResponseTransferMode.STREAM,
      timeout: props.integrationTimeout ?? Duration.minutes(5),
      // one resource-policy statement for the whole API instead of two per method: only this API invokes it
      scopePermissionToMethod: false,
    });
    const validators = {
      body: this.api.addRequestValidator('BodyValidator', { validateRequestBody: true, validateRequestParameters: true }),
      params: this.api.addRequestValidator('ParameterValidator', { validateRequestBody: false, validateRequestParameters: true }),
    };
    const models = this.requestModels();

    const health = this.api.root.addResource('health').addMethod('GET', integration, { authorizationType: AuthorizationType.NONE });
    Validations.of(health).acknowledge(
      { id: 'AwsSolutions-APIG4', reason: 'GET /health is public by design: Route 53 health checks cannot authenticate. It reveals only up/down per provider.' },
      { id: 'AwsSolutions-COG4', reason: 'GET /health is public by design (Route 53 health checks).' },
    );

    const keyAuth: MethodOptions = { authorizationType: AuthorizationType.CUSTOM, authorizer, apiKeyRequired: true };
    const iamAuth: MethodOptions = { authorizationType: AuthorizationType.IAM };
    this.addRoutes(this.api.root.addResource('v1'), integration, keyAuth, validators, models);
    this.addRoutes(this.api.root.addResource('iam').addResource('v1'), integration, iamAuth, validators, models);

    if (props.wafRateLimit) this.webAcl = this.createWebAcl(props.wafRateLimit);
    else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'The WAF web ACL is optional (deploy setting wafRateLimit) because it bills monthly even when idle; stage and usage-plan throttling stay on.',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level logging role: the AWS-managed policy is the documented one for this service role.",
    });
  }

  private addRoutes(
    v1: IResource,
    integration: LambdaIntegration,
    auth: MethodOptions,
    validators: { body: RequestValidator; params: RequestValidator },
    models: { chat: Model; embeddings: Model },
  ): void {
    const cognito = { id: 'AwsSolutions-COG4', reason: 'Authorized by API key (Lambda authorizer) or IAM SigV4; Switchboard has no Cognito users.' };
    const methods = [
      v1.addResource('chat').addResource('completions').addMethod('POST', integration, {
        ...auth,
        requestValidator: validators.body,
        requestModels: { 'application/json': models.chat },
      }),
      v1.addResource('embeddings').addMethod('POST', integration, {
        ...auth,
        requestValidator: validators.body,
        requestModels: { 'application/json': models.embeddings },
      }),
      // models, usage and whatever comes next: the gateway answers unknown paths with an OpenAI 404
      v1.addResource('{proxy+}').addMethod('ANY', integration, { ...auth, requestValidator: validators.params }),
    ];
    for (const method of methods) Validations.of(method).acknowledge(cognito);
  }

  /** Minimal shapes, so API Gateway rejects garbage before a Lambda runs; the gateway validates the rest. */
  private requestModels(): { chat: Model; embeddings: Model } {
    const model = { type: JsonSchemaType.STRING, minLength: 1 };
    return {
      chat: this.api.addModel('ChatCompletionRequest', {
        modelName: 'ChatCompletionRequest',
        contentType: 'application/json',
        schema: {
          schema: JsonSchemaVersion.DRAFT4,
          type: JsonSchemaType.OBJECT,
          required: ['model', 'messages'],
          properties: { model, messages: { type: JsonSchemaType.ARRAY, minItems: 1 } },
        },
      }),
      embeddings: this.api.addModel('EmbeddingsRequest', {
        modelName: 'EmbeddingsRequest',
        contentType: 'application/json',
        schema: {
          schema: JsonSchemaVersion.DRAFT4,
          type: JsonSchemaType.OBJECT,
          required: ['model', 'input'],
          properties: { model },
        },
      }),
    };
  }

  private createUsagePlans(props: GatewayApiProps): { default: string; tiers: Record<string, string> } {
    const plans = ['default', ...(props.tiers ?? []).filter((t) => t !== 'default')];
    const keys: Record<string, string> = {};
    for (const tier of plans) {
      const throttle = props.tierThrottles?.[tier] ?? props.planThrottle ?? { rateLimit: 100, burstLimit: 200 };
      const planId = `Plan-${tier.replace(/[^A-Za-z0-9]/g, '-')}`;
      const plan = this.api.addUsagePlan(planId, {
        name: `${Names.uniqueResourceName(this, { maxLength: 40 })}-${tier}`,
        description: `Switchboard tier "${tier}"`,
        throttle,
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      // The key identifies the plan; the authorizer hands it to API Gateway. With key source AUTHORIZER an
      // x-api-key header never reaches the plan, so this value is no credential and may sit in the template.
      const value = `sb-plan-${tier}-${Names.uniqueResourceName(plan, { maxLength: 48 })}`.slice(0, 128);
      plan.addApiKey(new ApiKey(this, `${planId}-Key`, { value, description: `Usage identifier of tier "${tier}"` }));
      keys[tier] = value;
    }
    const { default: defaultKey, ...tiers } = keys;
    return { default: defaultKey!, tiers };
  }

  private createWebAcl(limit: number): CfnWebACL {
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'SwitchboardWebAcl', sampledRequestsEnabled: true },
      rules: [
        {
          name: 'RatePerClientIp',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP' } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'SwitchboardRatePerIp', sampledRequestsEnabled: true },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: acl.attrArn });
    return acl;
  }
}
