// The gateway config as a deployed function gets it: read and validated at synth (a bad file fails synth
// with every problem listed), stripped of what must not be deployed, and bundled into the function.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseGatewayConfig } from '../../lambdas/core/config/load';
import type { GatewayConfig } from '../../lambdas/core/config/schema';
import { unpricedTargets, withCatalogPrices } from '../../lambdas/adapters/pricing/price-catalogue';
import { PriceBook } from '../../lambdas/core/pricing/price-book';
import type { KeyedProvider } from '../constructs/provider-secrets';

/** Providers keyed by an environment variable locally read the same key from this secret in AWS. */
export const DEFAULT_SECRET_PREFIX = 'switchboard/';

export interface DeployedGatewayConfig {
  /** what the functions run with */
  readonly config: GatewayConfig;
  /** tenants whose plain `apiKeys` were dropped: they need keys created with the CLI */
  readonly tenantsWithDroppedKeys: string[];
  /** one entry per provider that reads its key from Secrets Manager in AWS */
  readonly keyedProviders: KeyedProvider[];
  /** Bedrock models the config routes to; region undefined: the deploying region */
  readonly bedrockModels: Array<{ region?: string; modelId: string }>;
  /** alias targets nothing prices (`alias → provider/model`): never called */
  readonly unpricedTargets: string[];
}

export function prepareGatewayConfig(config: GatewayConfig): DeployedGatewayConfig {
  const tenantsWithDroppedKeys: string[] = [];
  const tenants = config.tenants.map((tenant) => {
    if (!tenant.apiKeys?.length) return tenant;
    tenantsWithDroppedKeys.push(tenant.id);
    const { apiKeys: _dropped, ...rest } = tenant;
    return rest;
  });
  const providers = config.providers.map((p) =>
    p.apiKeyEnv && !p.apiKeySecret ? { ...p, apiKeySecret: `${DEFAULT_SECRET_PREFIX}${p.id}` } : p,
  );
  // prices resolved now from the catalogue: the function carries them, not the catalogue
  const deployed: GatewayConfig = withCatalogPrices({ ...config, providers, tenants });
  const prices = new PriceBook(deployed);
  return {
    unpricedTargets: unpricedTargets(deployed, (p, m) => prices.priceOf(p, m)),
    config: deployed,
    tenantsWithDroppedKeys,
    keyedProviders: providers.flatMap((p) =>
      p.apiKeySecret
        ? [{ secretName: p.apiKeySecret, provider: { id: p.id, type: p.type, preset: p.preset, baseUrl: p.baseUrl, headers: p.headers, region: p.region } }]
        : [],
    ),
    bedrockModels: bedrockModelsOf(deployed),
  };
}

/** Read, validate and prepare the file at `path` (relative to the working directory, where cdk runs). */
export function loadDeployedGatewayConfig(path: string): DeployedGatewayConfig {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the gateway config "${path}" (context gatewayConfig): ${(err as Error).message}`);
  }
  return prepareGatewayConfig(parseGatewayConfig(text, path));
}

/** The esbuild `define` value that puts the config into a function bundle (a JS string literal of the JSON). */
export function bundledConfigLiteral(config: GatewayConfig): string {
  return JSON.stringify(JSON.stringify(config));
}

function bedrockModelsOf(config: GatewayConfig): Array<{ region?: string; modelId: string }> {
  const out = new Map<string, { region?: string; modelId: string }>();
  for (const p of config.providers.filter((x) => x.type === 'bedrock')) {
    const ids = new Set<string>(p.models ?? []);
    for (const alias of config.models) {
      for (const t of [...alias.targets, ...(alias.shadow ? [alias.shadow] : [])]) if (t.provider === p.id) ids.add(t.model);
    }
    for (const modelId of ids) out.set(`${p.region ?? ''}|${modelId}`, { region: p.region, modelId });
  }
  return [...out.values()];
}
