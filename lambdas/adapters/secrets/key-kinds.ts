// What a Switchboard-managed secret holds, and how its rotation checks a new value. Shared by the CDK
// construct that creates the secrets and the rotation function that rotates them.
import type { ProviderConfig } from '../../core/config/schema';

/**
 * The value a provider-key secret is created with. It holds no key: the secret source reads an empty
 * `apiKey` as "no key here" (routing skips the provider), and rotation refuses to promote it.
 */
export const UNSET_KEY_VALUE = JSON.stringify({ apiKey: '', note: 'put the provider key here: see docs/deploy.md' });

/**
 * `provider-key`: issued by the provider; the operator stages a new one (AWSPENDING) and rotation promotes
 * it once the provider accepts it. `gateway-key`: issued by Switchboard; rotation generates a new one.
 */
export type KeyKind = 'provider-key' | 'gateway-key';

/** The parts of a provider entry its adapter needs to call the provider (no key: that is being tested). */
export type ProviderEndpoint = Pick<ProviderConfig, 'id' | 'type' | 'preset' | 'baseUrl' | 'headers' | 'region'>;

/** How rotation tests a staged provider key: the provider adapter's own probe (its model list), with that key. */
export interface ProviderKeyCheck {
  kind: 'provider-key';
  provider: ProviderEndpoint;
}

export interface GatewayKeyCheck {
  kind: 'gateway-key';
}

export type RotationTarget = ProviderKeyCheck | GatewayKeyCheck;

/** secret name → what it holds; the rotation function receives this map as ROTATION_TARGETS */
export type RotationTargets = Record<string, RotationTarget>;
