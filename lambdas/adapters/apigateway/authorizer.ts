// The API Gateway REQUEST authorizer: `Authorization: Bearer <key>` or `x-api-key: <key>` → the tenant, as
// authorizer context for the gateway function and as the tenant's own usage-plan key, which API Gateway
// throttles by (each tenant its plan's throttle, not one shared by the whole tier).
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { GatewayError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { extractApiKey } from '../../core/tenants/api-keys';
import type { Tenant } from '../../core/tenants/directory';

/** The headers a key may arrive in; with API Gateway's cache on, only the one it caches by. */
export type CredentialHeader = 'authorization' | 'x-api-key';

export interface AuthorizerDeps {
  tenants: { byKey(key: string): Promise<Tenant> };
  /** the API Gateway API key value of the tenant's own usage-plan key (not a credential: key source AUTHORIZER) */
  usageKeyOf(tenantId: string): string;
  /**
   * With API Gateway caching answers by one header (authorizerCacheTtl), the key is read from that header
   * only: a cached answer is then the answer for that key, never for a key another header carried.
   * @default - either header
   */
  credentialHeader?: CredentialHeader;
  logger: Logger;
}

/** What API Gateway turns into a 401 (the only thrown message it maps to UNAUTHORIZED). */
export const UNAUTHORIZED = 'Unauthorized';

export async function authorize(event: APIGatewayRequestAuthorizerEvent, deps: AuthorizerDeps): Promise<APIGatewayAuthorizerResult> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value != null) headers[name.toLowerCase()] = value;
  const key = extractApiKey(deps.credentialHeader ? { [deps.credentialHeader]: headers[deps.credentialHeader] } : headers);
  if (!key) throw new Error(UNAUTHORIZED);

  let tenant: Tenant;
  try {
    tenant = await deps.tenants.byKey(key);
  } catch (err) {
    if (err instanceof GatewayError && err.status === 401) {
      deps.logger.info('rejected an API key', { reason: err.message, path: event.path });
      throw new Error(UNAUTHORIZED);
    }
    throw err; // the store failed: API Gateway answers 500 and nothing is cached
  }

  // A tenant's IP allow-list: a caller elsewhere is denied here (API Gateway's 403 access_denied) when answers
  // are not cached; a cached answer is per key, not per address, so then the gateway function alone checks it
  // (it always does: TenantDirectory.identify).
  const sourceIp = event.requestContext?.identity?.sourceIp;
  if (tenant.ipAllowList && !deps.credentialHeader && !tenant.ipAllowList.allows(sourceIp)) {
    deps.logger.info('denied a caller outside its tenant\'s IP allow-list', { tenant: tenant.id, path: event.path });
    return {
      principalId: tenant.id,
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }] },
    };
  }

  return {
    principalId: tenant.id,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: keyRoutesOf(event.methodArn) }],
    },
    // read by the gateway function as requestContext.authorizer.tenantId
    context: { tenantId: tenant.id, ...(tenant.tier ? { tier: tenant.tier } : {}) },
    usageIdentifierKey: deps.usageKeyOf(tenant.id),
  };
}

// Every key-authorized route of this stage, not just the called method: when API Gateway caches this
// policy for a key, the next call may be to another route.
//   arn:aws:execute-api:us-east-1:111122223333:abc123/prod/POST/v1/chat/completions
//   → arn:aws:execute-api:us-east-1:111122223333:abc123/prod/*/v1/*
export function keyRoutesOf(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  if (!api?.startsWith('arn:') || !stage) throw new Error(`unexpected methodArn "${methodArn}"`);
  return `${api}/${stage}/*/v1/*`;
}
