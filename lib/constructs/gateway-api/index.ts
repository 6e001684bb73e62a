// GatewayApi: the REST API in front of the gateway function. Every route streams (ResponseTransferMode.STREAM)
// to the one response-streaming gateway function:
//   GET  /health                 no auth (Route 53 probes it)
//   /v1/…                        API key (Lambda REQUEST authorizer) + usage plans (key source AUTHORIZER): one
//                                plan per tier, one API key per tenant, so each tenant gets its plan's throttle
//   /iam/v1/…                    IAM (SigV4); the gateway maps requestContext.identity.userArn to a tenant
// plus request validation, JSON access logs, stage throttling, X-Ray sampling (never /health), OpenAI-shaped
// gateway errors, optional WAF.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
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
  type Method,
  type MethodOptions,
  type Model,
  type RequestValidator,
  type UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { CfnSamplingRule } from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { CREDENTIAL_HEADERS } from '../../config/deploy-settings';
import { DeploymentNames } from '../../config/names';
import { SwitchboardFunction } from '../gateway-function';
import { SERVICES } from '../../config/metrics';

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
  /** @default new DeploymentNames() */
  readonly names?: DeploymentNames;
  /**
   * Tiers from the gateway config: each gets its own usage plan, whose throttle applies to each tenant's key
   * separately. Exact per-tenant limits are the gateway's job (DynamoDB counters); plans are a coarse shield.
   * @default [] (one default plan)
   */
  readonly tiers?: readonly string[];
  /**
   * Tenants of the gateway config: each gets its own API key in its tier's plan here. Tenants stored at run
   * time get theirs from the CLI (`switchboard tenants create`), which derives the same key value.
   * @default []
   */
  readonly tenants?: ReadonlyArray<{ readonly id: string; readonly tier?: string }>;
  /** @default { rateLimit: 100, burstLimit: 200 } for every plan */
  readonly planThrottle?: Throttle;
  /** per-tier overrides of planThrottle @default {} */
  readonly tierThrottles?: Readonly<Record<string, Throttle>>;
  /** applies to every method of the stage @default { rateLimit: 200, burstLimit: 400 } */
  readonly stageThrottle?: Throttle;
  /**
   * The IAM (SigV4) routes, throttled together per method. Usage plans count API keys, which an IAM-signed
   * request does not carry (the API's key source is the authorizer, and IAM methods have none), so the IAM
   * path gets this method throttle in their place; per-tenant limits are the gateway's, as on the key path.
   * @default planThrottle
   */
  readonly iamThrottle?: Throttle;
  /** share of requests X-Ray traces; GET /health is never traced @default 0.05 */
  readonly traceSampleRate?: number;
  /**
   * How long API Gateway caches the authorizer's answer per key. Zero keeps both key headers working: a
   * REQUEST authorizer only caches by identity sources that every request must carry, so a non-zero TTL
   * makes `Authorization` the identity source and requests with only `x-api-key` get 401.
   * @default Duration.seconds(0)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * The header API Gateway caches the authorizer's answer by (with a TTL above 0): it must be a header that
   * carries the key, so that the cache key is the credential; the authorizer then reads the key from it alone.
   * @default 'authorization'
   */
  readonly authorizerCacheHeader?: string;
  /**
   * Integration and gateway function timeout. Streamed responses may run up to 15 minutes.
   * @default Duration.minutes(5)
   */
  readonly integrationTimeout?: Duration;
  /** requests per 5 minutes per client IP behind a WAF rate rule (GET /health has its own) @default - no web ACL */
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
    message: 'The body must be a JSON object with "model" and "messages" (chat), "model" and "input" (embeddings), or "model" (responses).' },
  { type: ResponseType.REQUEST_TOO_LARGE, status: '413', code: 'request_too_large', errorType: 'invalid_request_error',
    message: 'The request body is too large.' },
  // the authorizer named a tenant whose own usage-plan key is not in this region's plans
  { type: ResponseType.INVALID_API_KEY, status: '403', code: 'usage_plan_key_missing', errorType: 'permission_error',
    message: 'This tenant has no usage-plan key in this region yet; the operator adds it with "switchboard tenants sync-keys".' },
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

/** the Responses door's methods (resource path / method), below /v1 and /iam/v1 */
const RESPONSES_METHODS = ['/responses/POST', '/responses/{id}/GET', '/responses/{id}/DELETE', '/responses/{id}/input_items/GET', '/responses/{id}/cancel/POST'];
/** request history's methods (GET /requests, GET /requests/{id}), below /v1 and /iam/v1 */
const REQUESTS_METHODS = ['/requests/GET', '/requests/{id}/GET'];

/**
 * GET /health requests per 5 minutes per IP that WAF always lets through: the scheduled check sends 5, and
 * Lambda's egress addresses are shared.
 */
export const HEALTH_RATE_FLOOR = 300;

export class GatewayApi extends Construct {
  readonly api: RestApi;
  readonly authorizerFunction: SwitchboardFunction;
  /** tier → usage plan (`default` for tenants without a tier, or whose tier has no plan) */
  readonly usagePlans: Record<string, UsagePlan>;
  /** config tenant → the API Gateway API key value of its own usage-plan key */
  readonly tenantKeys: Record<string, string> = {};
  readonly webAcl?: CfnWebACL;
  private readonly names: DeploymentNames;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    this.names = props.names ?? new DeploymentNames();
    const stageThrottle = props.stageThrottle ?? { rateLimit: 200, burstLimit: 400 };
    const planThrottle = props.planThrottle ?? { rateLimit: 100, burstLimit: 200 };
    const iamThrottle = props.iamThrottle ?? planThrottle;
    const cacheTtl = props.authorizerCacheTtl ?? Duration.seconds(0);
    const cacheHeader = (props.authorizerCacheHeader ?? 'authorization').toLowerCase();
    if (cacheTtl.toSeconds() > 0 && !(CREDENTIAL_HEADERS as readonly string[]).includes(cacheHeader)) {
      throw new Error(
        `authorizerCacheHeader "${props.authorizerCacheHeader}" carries no API key: API Gateway would cache a tenant's answer under a value that is not its credential. Cache by ${CREDENTIAL_HEADERS.join(' or ')}.`,
      );
    }
    const stageName = props.stageName ?? 'prod';
    const iamMethods = ['/iam/v1/chat/completions/POST', '/iam/v1/embeddings/POST', '/iam/v1/messages/POST', '/iam/v1/messages/count_tokens/POST', '/iam/v1/{proxy+}/*', ...RESPONSES_METHODS.map((m) => `/iam/v1${m}`), ...REQUESTS_METHODS.map((m) => `/iam/v1${m}`)];

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: this.names.logGroup('api-access'),
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: this.names.api,
      description: 'Switchboard: OpenAI-compatible AI gateway',
      // regional: a streamed response may idle 5 minutes between chunks (edge-optimized endpoints: 30 s)
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      // execution logs (level ERROR) need the account-level CloudWatch role of API Gateway in this region
      cloudWatchRole: true,
      deployOptions: {
        stageName,
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
        methodOptions: Object.fromEntries(
          iamMethods.map((m) => [m, { throttlingRateLimit: iamThrottle.rateLimit, throttlingBurstLimit: iamThrottle.burstLimit }]),
        ),
      },
    });
    this.createSamplingRules(`${this.names.api}/${stageName}`, props.traceSampleRate ?? 0.05);
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
      serviceName: SERVICES.authorizer,
      // one cached DynamoDB read per key and a SHA-256: small and fast
      memorySize: 256,
      timeout: Duration.seconds(10),
      define: props.authorizerDefine,
      logGroupName: this.names.logGroup('authorizer'),
      metricNamespace: this.names.metricNamespace,
      environment: { DEPLOYMENT_NAME: this.names.name },
    });
    this.authorizerFunction.bindTable(props.tenantsTable, 'tenants', 'read');
    const cached = cacheTtl.toSeconds() > 0;
    if (cached) this.authorizerFunction.addEnvironment('CREDENTIAL_HEADER', cacheHeader);
    const authorizer = new RequestAuthorizer(this, 'KeyAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: cached ? [IdentitySource.header(cacheHeader === 'authorization' ? 'Authorization' : cacheHeader)] : [],
      resultsCacheTtl: cacheTtl,
    });

    this.usagePlans = this.createUsagePlans(props, planThrottle);

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
    models: { chat: Model; embeddings: Model; responses: Model },
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
      // the Anthropic Messages door: its bad bodies are the function's to refuse, in Anthropic's error shape
      // (API Gateway's own 400 is OpenAI-shaped, one template for the whole API)
      ...this.messagesRoutes(v1, integration, auth, validators.params),
      // models, usage and whatever comes next: the gateway answers unknown paths with an OpenAI 404
      v1.addResource('{proxy+}').addMethod('ANY', integration, { ...auth, requestValidator: validators.params }),
      ...this.addResponsesRoutes(v1, integration, auth, validators, models.responses),
      // request history: the caller's own ledger entries (the function reads the tenant from the authorizer)
      ...this.addRequestsRoutes(v1, integration, auth, validators.params),
    ];
    for (const method of methods) Validations.of(method).acknowledge(cognito);
  }

  /** POST /v1/messages and /v1/messages/count_tokens (Claude Code's ANTHROPIC_BASE_URL), streamed like chat */
  private messagesRoutes(v1: IResource, integration: LambdaIntegration, auth: MethodOptions, validator: RequestValidator): Method[] {
    const messages = v1.addResource('messages');
    return [
      messages.addMethod('POST', integration, { ...auth, requestValidator: validator }),
      messages.addResource('count_tokens').addMethod('POST', integration, { ...auth, requestValidator: validator }),
    ];
  }

  /** GET /requests and GET /requests/{id}: request history */
  private addRequestsRoutes(v1: IResource, integration: LambdaIntegration, auth: MethodOptions, validator: RequestValidator): Method[] {
    const requests = v1.addResource('requests');
    return [requests.addMethod('GET', integration, { ...auth, requestValidator: validator }), requests.addResource('{id}').addMethod('GET', integration, { ...auth, requestValidator: validator })];
  }

  /** The Responses door: POST /responses streams like chat; the stored turns under /responses/{id}. */
  private addResponsesRoutes(v1: IResource, integration: LambdaIntegration, auth: MethodOptions, validators: { body: RequestValidator; params: RequestValidator }, model: Model): Method[] {
    const responses = v1.addResource('responses');
    const one = responses.addResource('{id}');
    const plain = { ...auth, requestValidator: validators.params };
    return [
      responses.addMethod('POST', integration, { ...auth, requestValidator: validators.body, requestModels: { 'application/json': model } }),
      one.addMethod('GET', integration, plain),
      one.addMethod('DELETE', integration, plain),
      one.addResource('input_items').addMethod('GET', integration, plain),
      one.addResource('cancel').addMethod('POST', integration, plain),
    ];
  }

  /** Minimal shapes, so API Gateway rejects garbage before a Lambda runs; the gateway validates the rest. */
  private requestModels(): { chat: Model; embeddings: Model; responses: Model } {
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
      responses: this.api.addModel('ResponsesRequest', {
        modelName: 'ResponsesRequest',
        contentType: 'application/json',
        schema: { schema: JsonSchemaVersion.DRAFT4, type: JsonSchemaType.OBJECT, required: ['model'], properties: { model } },
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

  private createUsagePlans(props: GatewayApiProps, planThrottle: Throttle): Record<string, UsagePlan> {
    const plans: Record<string, UsagePlan> = {};
    for (const tier of ['default', ...(props.tiers ?? []).filter((t) => t !== 'default')]) {
      plans[tier] = this.api.addUsagePlan(`Plan-${tier.replace(/[^A-Za-z0-9]/g, '-')}`, {
        name: this.names.usagePlan(tier),
        description: `Switchboard tier "${tier}": its throttle applies to each tenant's own key`,
        throttle: props.tierThrottles?.[tier] ?? planThrottle,
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
    }
    // A key per tenant. With key source AUTHORIZER an x-api-key header never reaches a plan: the value is
    // an identifier the authorizer hands over, no credential, and may sit in the template.
    for (const tenant of props.tenants ?? []) {
      const { name, value } = this.names.tenantUsageKey(tenant.id);
      const key = new ApiKey(this, `TenantKey-${tenant.id.replace(/[^A-Za-z0-9]/g, '-')}`, {
        apiKeyName: name,
        value,
        description: `Usage-plan key of tenant "${tenant.id}" (an identifier, not a credential)`,
      });
      (plans[tenant.tier ?? 'default'] ?? plans.default!).addApiKey(key);
      this.tenantKeys[tenant.id] = value;
    }
    return plans;
  }

  /**
   * X-Ray sampling by the API's service name: /health (the scheduled probe, once a minute) never, the rest at
   * `rate` with no reservoir (the default rule's one trace a second would trace nearly every request of a
   * quiet gateway, at $5 per million traces).
   */
  private createSamplingRules(serviceName: string, rate: number): void {
    const rule = (id: string, ruleName: string, priority: number, urlPath: string, fixedRate: number) =>
      new CfnSamplingRule(this, id, {
        samplingRule: {
          ruleName,
          priority,
          fixedRate,
          reservoirSize: 0,
          serviceName,
          serviceType: 'AWS::ApiGateway::Stage',
          host: '*',
          httpMethod: '*',
          urlPath,
          resourceArn: '*',
          version: 1,
        },
      });
    rule('UntracedHealth', `${this.names.name}-health`, 10, '*/health', 0);
    rule('TracedShare', `${this.names.name}-api`, 20, '*', rate);
  }

  /**
   * A per-IP rate rule on every route but GET /health, which has its own, looser rule: the scheduled check
   * calls it from Lambda's shared egress addresses, and a limit meant for tenants must not take a region out
   * of DNS.
   */
  private createWebAcl(limit: number): CfnWebACL {
    const prefix = this.names.name;
    const health: CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'ENDS_WITH',
        searchString: '/health',
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    const acl = new CfnWebACL(this, 'WebAcl', {
      name: `${prefix}-api`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${prefix}-web-acl`, sampledRequestsEnabled: true },
      rules: [
        {
          name: 'RatePerClientIp',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', scopeDownStatement: { notStatement: { statement: health } } } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${prefix}-rate-per-ip`, sampledRequestsEnabled: true },
        },
        {
          name: 'HealthRatePerClientIp',
          priority: 1,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: { rateBasedStatement: { limit: Math.max(limit, HEALTH_RATE_FLOOR), aggregateKeyType: 'IP', scopeDownStatement: health } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `${prefix}-health-rate-per-ip`, sampledRequestsEnabled: true },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: acl.attrArn });
    return acl;
  }
}
