// API Gateway Lambda authorizer (REQUEST): API key → tenant context and usage-plan key.
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { authorize, type UsagePlanKeys } from '../adapters/apigateway/authorizer';
import { dynamoClient } from '../adapters/dynamodb/client';
import { tableNamesFromEnv } from '../adapters/dynamodb/tables';
import { DynamoTenantStore } from '../adapters/dynamodb/tenant-store';
import { createLogger } from '../adapters/observability/powertools';
import { TenantDirectory } from '../core/tenants/directory';
import { bundledConfig } from './bundled-config';
import { gatewayEnvironment } from './environment';
import { lambdaHandler } from './middleware';
import { systemClock } from './runtime';

const planKey = () => z.string().check(z.minLength(20));
const usagePlanKeys: z.ZodMiniType<UsagePlanKeys> = z.object({ default: planKey(), tiers: z.record(z.string(), planKey()) });

const env = gatewayEnvironment.parse(process.env);
const planKeys = usagePlanKeys.parse(JSON.parse(process.env.USAGE_PLAN_KEYS ?? 'null'));
const config = bundledConfig();
const logger = createLogger();
// the same directory as the gateway's: config key hashes first, then the tenants table, cached in process
const tenants = new TenantDirectory(config, new DynamoTenantStore(dynamoClient({ region: env.AWS_REGION }), tableNamesFromEnv(env).tenants), systemClock);

export const handler = lambdaHandler(
  (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => authorize(event, { tenants, usagePlanKeys: planKeys, logger }),
  { logger },
);
