// API Gateway Lambda authorizer (REQUEST): API key → tenant context and the tenant's usage-plan key.
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { authorize } from '../adapters/apigateway/authorizer';
import { tenantUsageKeyValue } from '../adapters/apigateway/usage-keys';
import { dynamoClient } from '../adapters/dynamodb/client';
import { tableNamesFromEnv } from '../adapters/dynamodb/tables';
import { DynamoTenantStore } from '../adapters/dynamodb/tenant-store';
import { createLogger } from '../adapters/observability/powertools';
import { TenantDirectory } from '../core/tenants/directory';
import { bundledConfig } from './bundled-config';
import { gatewayEnvironment } from './environment';
import { lambdaHandler } from './middleware';
import { systemClock } from './runtime';

const authorizerEnvironment = z.object({
  /** the deployment name, from which each tenant's usage-plan key value is derived */
  DEPLOYMENT_NAME: z.string().check(z.minLength(1)),
  /** set when API Gateway caches answers by this header: the key is read from it alone */
  CREDENTIAL_HEADER: z.optional(z.enum(['authorization', 'x-api-key'])),
});

const env = gatewayEnvironment.parse(process.env);
const own = authorizerEnvironment.parse(process.env);
const config = bundledConfig();
const logger = createLogger();
// the same directory as the gateway's: config key hashes first, then the tenants table, cached in process
const tenants = new TenantDirectory(config, new DynamoTenantStore(dynamoClient({ region: env.AWS_REGION }), tableNamesFromEnv(env).tenants), systemClock);
const usageKeyOf = (tenantId: string) => tenantUsageKeyValue(own.DEPLOYMENT_NAME, tenantId);

export const handler = lambdaHandler(
  (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => authorize(event, { tenants, usageKeyOf, credentialHeader: own.CREDENTIAL_HEADER, logger }),
  { logger },
);
