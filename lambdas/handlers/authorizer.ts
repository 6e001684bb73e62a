// API Gateway Lambda authorizer (REQUEST): API key → tenant context and usage-plan key.
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import * as z from 'zod';
import { authorize, type UsagePlanKeys } from '../adapters/apigateway/authorizer';
import { dynamoClient } from '../adapters/dynamodb/client';
import { tableNamesFromEnv } from '../adapters/dynamodb/tables';
import { DynamoTenantStore } from '../adapters/dynamodb/tenant-store';
import { createLogger } from '../adapters/observability/powertools';
import { parseGatewayConfig } from '../core/config/load';
import { TenantDirectory } from '../core/tenants/directory';
import { gatewayEnvironment } from './environment';
import { systemClock } from './runtime';

const usagePlanKeys: z.ZodType<UsagePlanKeys> = z.object({ default: z.string().min(20), tiers: z.record(z.string(), z.string().min(20)) });

const env = gatewayEnvironment.parse(process.env);
const planKeys = usagePlanKeys.parse(JSON.parse(process.env.USAGE_PLAN_KEYS ?? 'null'));
const bundled = process.env.SWITCHBOARD_CONFIG_JSON;
if (!bundled) throw new Error('the authorizer runs with the gateway config bundled at synth (SWITCHBOARD_CONFIG_JSON)');
const config = parseGatewayConfig(bundled, 'the bundled gateway config');
const logger = createLogger();
// the same directory as the gateway's: config key hashes first, then the tenants table, cached in process
const tenants = new TenantDirectory(config, new DynamoTenantStore(dynamoClient({ region: env.AWS_REGION }), tableNamesFromEnv(env).tenants), systemClock);

export const handler = (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> =>
  authorize(event, { tenants, usagePlanKeys: planKeys, logger });
