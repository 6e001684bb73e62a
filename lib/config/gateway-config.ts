// The gateway config as a deployed function gets it: read and validated at synth (a bad file fails synth
// with every problem listed), stripped of what must not be deployed, and bundled into the function.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseGatewayConfig } from '../../lambdas/core/config/load';
import type { GatewayConfig, ProviderConfig } from '../../lambdas/core/config/schema';
import { OPENAI_PRESETS } from '../../lambdas/providers/openai/presets';
import { unpricedTargets, withCatalogPrices } from '../../lambdas/adapters/pricing/price-catalogue';
import { PriceBook } from '../../lambdas/core/pricing/price-book';
import type { KeyedProvider } from '../constructs/provider-secrets';
import { DeploymentNames } from './names';
import { hostClass } from '../../lambdas/core/guardrails/provider-urls';

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

/**
 * Secrets get the deployment's name: a provider keyed by an environment variable locally reads its key in AWS
 * from `<name>/<provider id>`, and a secret the config names lives under `<name>/` too.
 */
export function prepareGatewayConfig(config: GatewayConfig, names: DeploymentNames = new DeploymentNames()): DeployedGatewayConfig {
  const tenantsWithDroppedKeys: string[] = [];
  const tenants = config.tenants.map((tenant) => {
    if (!tenant.apiKeys?.length) return tenant;
    tenantsWithDroppedKeys.push(tenant.id);
    const { apiKeys: _dropped, ...rest } = tenant;
    return rest;
  });
  const providers = config.providers.map((p) =>
    p.apiKeySecret || p.apiKeyEnv ? { ...p, apiKeySecret: names.secret(p.id, p.apiKeySecret) } : p,
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

export class UndeployableConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      `${source} cannot be deployed (context gatewayConfig; the local demo config is for npm start, deploy/gateway.config.json for AWS):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'UndeployableConfigError';
  }
}

/**
 * What a deployed gateway must not route to: the `mock` provider (it answers every call, so the region never
 * looks unhealthy and aliases quietly echo), and a base URL that a Lambda function cannot reach or that points
 * into someone's network — loopback, link-local, private ranges, single-label and `.local`/`.internal`/
 * `.localhost` names — unless the provider is marked `private` (reached through a VPC endpoint or private link).
 */
export function undeployableProviders(config: GatewayConfig): string[] {
  const problems: string[] = [];
  config.providers.forEach((p, i) => {
    if (p.type === 'mock') {
      problems.push(`providers[${i}] "${p.id}": the mock provider answers without a network and is for local runs only; remove it (and its targets) from the deployed config`);
      return;
    }
    const url = baseUrlOf(p);
    if (!url || p.private) return;
    const why = unreachableHost(new URL(url).hostname);
    if (why) {
      problems.push(
        `providers[${i}] "${p.id}": baseUrl ${url} is ${why}, which a deployed gateway must not call; ` +
          'use a public endpoint, or mark the provider "private": true if it is reached through a VPC endpoint',
      );
    }
  });
  return problems;
}

/** the URL the provider's adapter calls: its own baseUrl, or its preset's */
function baseUrlOf(p: ProviderConfig): string | undefined {
  return p.baseUrl ?? (p.preset ? OPENAI_PRESETS[p.preset].baseUrl : undefined);
}

/** why a host is not a public endpoint, or undefined when it is one */
export function unreachableHost(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(host);
  if (family === 4) return ipv4Range(host);
  if (family === 6) return ipv6Range(host) ?? embeddedRange(host);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'a loopback address';
  if (!host.includes('.')) return 'a single-label name that only a local resolver knows';
  if (/\.(local|internal|lan|home\.arpa)$/.test(host)) return 'a private (local-network) name';
  return undefined;
}

function ipv4Range(ip: string): string | undefined {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  if (a === 127) return 'a loopback address';
  if (a === 0) return 'an unspecified address';
  if (a === 169 && b === 254) return 'a link-local address';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'a private address';
  if (a === 100 && b >= 64 && b <= 127) return 'a carrier-grade NAT (private) address';
  return undefined;
}

function ipv6Range(ip: string): string | undefined {
  if (ip === '::1') return 'a loopback address';
  if (ip === '::') return 'an unspecified address';
  // an IPv4 address mapped into IPv6 (URL parsing writes it in hex: ::ffff:7f00:1)
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    return ipv4Range(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (/^fe[89ab]/.test(ip)) return 'a link-local address';
  if (/^f[cd]/.test(ip)) return 'a private (unique local) address';
  return undefined;
}

/** IPv6 forms that carry an IPv4 address (compatible, NAT64) or the EC2 IPv6 metadata address */
function embeddedRange(host: string): string | undefined {
  const cls = hostClass(host);
  return cls === 'metadata' ? 'a link-local or instance-metadata address' : cls === 'internal' ? 'a loopback or private address' : undefined;
}

/** Read, validate and prepare the file at `path` (relative to the working directory, where cdk runs). */
export function loadDeployedGatewayConfig(path: string, names: DeploymentNames = new DeploymentNames()): DeployedGatewayConfig {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the gateway config "${path}" (context gatewayConfig): ${(err as Error).message}`);
  }
  const config = parseGatewayConfig(text, path);
  const problems = undeployableProviders(config);
  if (problems.length) throw new UndeployableConfigError(path, problems);
  return prepareGatewayConfig(config, names);
}

/** The esbuild `define` value that puts the config into a function bundle (a JS string literal of the JSON). */
export function bundledConfigLiteral(config: GatewayConfig): string {
  return JSON.stringify(JSON.stringify(config));
}

function bedrockModelsOf(config: GatewayConfig): Array<{ region?: string; modelId: string }> {
  const out = new Map<string, { region?: string; modelId: string }>();
  for (const p of config.providers.filter((x) => x.type === 'bedrock')) {
    // "*" prices the catalogue's models; the role is granted only the models named (least privilege)
    const ids = new Set<string>((p.models ?? []).filter((m) => m !== '*'));
    for (const alias of config.models) {
      for (const t of [...alias.targets, ...(alias.shadow ? [alias.shadow] : [])]) if (t.provider === p.id) ids.add(t.model);
    }
    for (const modelId of ids) out.set(`${p.region ?? ''}|${modelId}`, { region: p.region, modelId });
  }
  return [...out.values()];
}
