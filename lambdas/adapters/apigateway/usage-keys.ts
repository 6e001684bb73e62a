// A tenant's own API Gateway usage-plan key. With the API's key source AUTHORIZER the key value is an
// identifier the authorizer hands to API Gateway (usageIdentifierKey), never a credential, so it is derived
// from the deployment and tenant rather than stored: the stack (config-file tenants), the CLI (stored
// tenants) and the authorizer compute the same value. Usage-plan throttles apply per key, so each tenant
// gets the plan's throttle for itself.
import { createHash } from 'node:crypto';

/** 20-128 characters of [a-z0-9-] (what API Gateway accepts as a key value), one per deployment and tenant */
export function tenantUsageKeyValue(deployment: string, tenantId: string): string {
  const digest = createHash('sha256').update(`${deployment}\n${tenantId}`).digest('hex').slice(0, 32);
  return `${deployment}-usage-${digest}`;
}

/** the key's name in the console and the CLI */
export function tenantUsageKeyName(deployment: string, tenantId: string): string {
  return `${deployment}-tenant-${tenantId}`;
}

/** the usage plan of a tier (tenants without a tier, or whose tier has no plan, are on `default`) */
export function usagePlanName(deployment: string, tier: string | undefined): string {
  return `${deployment}-${tier ?? 'default'}`;
}
