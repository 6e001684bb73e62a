// The operator CLI: tenants, keys, usage, audit and the lease sweep, against the local store (--endpoint of a
// running `npm start`) or a deployed deployment (--region, --deployment; or --tenants-table, --ledger-table).
// Against a deployment it also keeps each tenant's own API Gateway usage-plan key in its tier's plan, in every
// region. A bad invocation prints what is wrong and changes nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CacheTableAdmin } from '../../lambdas/adapters/dynamodb/cache-store';
import { UsagePlanKeys } from '../../lambdas/adapters/apigateway/usage-plan-keys';
import { DynamoCostLedger } from '../../lambdas/adapters/dynamodb/cost-ledger';
import { storedTenantIds, sweepLeases } from '../../lambdas/adapters/dynamodb/lease-sweep';
import type { RegionScope } from '../../lambdas/adapters/dynamodb/regions';
import { deployedTableName, LOCAL_TABLE_NAMES, type TableNames } from '../../lambdas/adapters/dynamodb/tables';
import { AdminError, DynamoTenantAdmin } from '../../lambdas/adapters/dynamodb/tenant-admin';
import { DynamoTenantStore } from '../../lambdas/adapters/dynamodb/tenant-store';
import { parseGatewayConfig } from '../../lambdas/core/config/load';
import { parseCidr } from '../../lambdas/core/guardrails/ip';
import { budget as budgetSchema, rateLimits as rateLimitsSchema, type GatewayConfig } from '../../lambdas/core/config/schema';
import { normalizePrincipal } from '../../lambdas/core/tenants/directory';
import { dayOf, monthOf } from '../../lambdas/core/periods';
import type { LedgerEntry, Logger, PeriodUsage, UsageBreakdown } from '../../lambdas/core/ports';
import { formatUsd } from '../../lambdas/core/pricing/cost';
import { BATCH_COMMANDS, BATCH_HELP, BatchCommandError } from './batches';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliEnv {
  /** builds the DynamoDB client from --endpoint / --region */
  dynamo(opts: { endpoint?: string; region?: string }): DynamoDBClient;
  /** builds an API Gateway client for a region (usage-plan keys); without it, keys are not managed */
  apiGateway?(region: string): APIGatewayClient;
  env: Record<string, string | undefined>;
  now(): number;
}

export class UsageError extends Error {}

export const HELP = `switchboard — operate a Switchboard gateway's tenants, keys and ledger

  npm run switchboard -- [target] <command> [options]

target (one of them, or $DYNAMODB_ENDPOINT / $AWS_REGION):
  --endpoint URL          a DynamoDB-compatible endpoint (the dynalite of a running npm start prints it)
  --region REGION         a deployed gateway's region (its tables are <deployment>-tenants and <deployment>-cost-ledger)
  --deployment NAME       (or SWITCHBOARD_DEPLOYMENT) the deployment's name (deploy setting name; default switchboard)
  --regions LIST          (or REGIONS) a multi-region deployment's regions, the primary first: the sweep releases
                          the leases of --region's own items only (needed when the tables are global tables), and
                          tenants' usage-plan keys are kept in every region's API
  --table-prefix PREFIX   a prefix before the local table names (switchboard-tenants…)
  --tenants-table NAME    (or TENANTS_TABLE)      --ledger-table NAME   (or LEDGER_TABLE)
  --cache-table NAME      (or CACHE_TABLE): other table names
  --config PATH           the gateway config, for its tenants and tiers (default $GATEWAY_CONFIG or ./gateway.config.json)
  --actor NAME            who is making the change, for the audit log (default user@host)

commands:
  tenants create --id ID [--name NAME] [--tier TIER]   with --region: also its usage-plan key in its tier's plan
  tenants delete --id ID                                revokes its keys, removes it and its usage-plan key
  tenants list
  tenants show --id ID
  tenants set-limits --id ID [--rpm N] [--rph N] [--rpd N] [--tpm N]          ("none" removes a limit)
  tenants set-budget --id ID [--per-request USD] [--daily USD] [--monthly USD]
                     [--expensive-calls-per-hour N] [--expensive-input-per-mtok USD]
  tenants set-tier --id ID --tier TIER                  with --region: moves its usage-plan key to the tier's plan
  tenants set-guardrails --id ID --guardrails A,B|none  guardrail policies (names from the config's "guardrails")
  tenants set-ip-allow --id ID --cidrs CIDR,…|none      the addresses its keys may be used from
  tenants set-payload-logging --id ID --mode off|redacted|full   request and answer bodies to the payload bucket
  tenants sync-keys                                     with --region: a usage-plan key for every stored tenant
  tenants map-principal --id ID --arn IAM_ROLE_OR_USER_ARN [--force]
                          a role ARN, not an assumed-role session; --force moves it from another tenant
  keys create --tenant ID [--name NAME] [--expires-in 30d]   prints the new key once
  keys list --tenant ID
  keys rotate --tenant ID --key-id KEY_ID [--grace 24h] [--name NAME]
  keys revoke --tenant ID --key-id KEY_ID
  usage --tenant ID [--day YYYY-MM-DD] [--month YYYY-MM] [--csv FILE|-]
  audit --tenant ID
  cache stats                                                what the response cache holds, per tenant (or shared) and alias
  cache purge --tenant ID [--model ALIAS]                    delete a tenant's cached answers (of one alias, or all);
                          gateway instances may serve an entry from memory for up to a minute after
  reservations sweep                                         release budget leases of crashed instances (this region's)
${BATCH_HELP}
`;

const OPTIONS = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  deployment: { type: 'string' },
  regions: { type: 'string' },
  'table-prefix': { type: 'string' },
  'tenants-table': { type: 'string' },
  'ledger-table': { type: 'string' },
  'cache-table': { type: 'string' },
  model: { type: 'string' },
  'batches-table': { type: 'string' },
  config: { type: 'string' },
  actor: { type: 'string' },
  id: { type: 'string' },
  tenant: { type: 'string' },
  name: { type: 'string' },
  tier: { type: 'string' },
  guardrails: { type: 'string' },
  cidrs: { type: 'string' },
  arn: { type: 'string' },
  'key-id': { type: 'string' },
  'expires-in': { type: 'string' },
  grace: { type: 'string' },
  rpm: { type: 'string' },
  rph: { type: 'string' },
  rpd: { type: 'string' },
  tpm: { type: 'string' },
  'per-request': { type: 'string' },
  daily: { type: 'string' },
  monthly: { type: 'string' },
  'expensive-calls-per-hour': { type: 'string' },
  'expensive-input-per-mtok': { type: 'string' },
  mode: { type: 'string' },
  day: { type: 'string' },
  month: { type: 'string' },
  csv: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/** Run one command; the exit code: 0 done, 1 failed, 2 bad invocation (nothing changed). */
export async function runCli(argv: string[], io: CliIo, cli: CliEnv): Promise<number> {
  let flags: Flags;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parse(argv));
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (flags.help || positionals.length === 0) {
    io.out(HELP);
    return flags.help ? 0 : 2;
  }
  const command = positionals.join(' ');
  const batchCommand = BATCH_COMMANDS[command];
  const handler = batchCommand
    ? async (ctx: Context) =>
        batchCommand({ dynamo: ctx.dynamo, table: flags['batches-table'] ?? ctx.env.BATCHES_TABLE ?? ctx.tables.tenants.replace(/tenants$/, 'batches'), tenant: flags.tenant, id: flags.id, now: ctx.now, out: (l) => ctx.io.out(l) })
    : COMMANDS[command];
  if (!handler) {
    io.err(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  const endpoint = flags.endpoint ?? (flags.region ? undefined : cli.env.DYNAMODB_ENDPOINT);
  const region = flags.region ?? cli.env.AWS_REGION;
  if (!endpoint && !region) {
    io.err('name the store: --endpoint URL (the dynalite of a running npm start, its "state:" line) or --region REGION');
    return 2;
  }
  const dynamo = cli.dynamo({ endpoint, region });
  try {
    const ctx = context(flags, io, cli, dynamo, endpoint ? undefined : region);
    await handler(ctx);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof BatchCommandError) {
      io.err(err.message);
      return 2;
    }
    io.err(err instanceof AdminError ? err.message : `failed: ${(err as Error).message}`);
    return 1;
  } finally {
    dynamo.destroy();
  }
}

interface Context {
  flags: Flags;
  env: CliEnv['env'];
  io: CliIo;
  now: number;
  dynamo: DynamoDBClient;
  tables: Pick<TableNames, 'tenants' | 'costLedger'>;
  cache: CacheTableAdmin;
  config: GatewayConfig | undefined;
  admin: DynamoTenantAdmin;
  store: DynamoTenantStore;
  ledger: DynamoCostLedger;
  /** one per region of a deployment (none against a local store) */
  usageKeys: UsagePlanKeys[];
}

function context(flags: Flags, io: CliIo, cli: CliEnv, dynamo: DynamoDBClient, awsRegion: string | undefined): Context {
  const prefix = flags['table-prefix'] ?? '';
  const deployment = flags.deployment ?? cli.env.SWITCHBOARD_DEPLOYMENT;
  if (deployment !== undefined && !/^[a-z][a-z0-9-]{0,19}$/.test(deployment)) throw new UsageError(`--deployment: "${deployment}" is not a deployment name`);
  const tableOf = (key: 'tenants' | 'costLedger' | 'responseCache') => (deployment ? deployedTableName(deployment, key) : prefix + LOCAL_TABLE_NAMES[key]);
  const tenantsTable = flags['tenants-table'] ?? cli.env.TENANTS_TABLE ?? tableOf('tenants');
  const ledgerTable = flags['ledger-table'] ?? cli.env.LEDGER_TABLE ?? tableOf('costLedger');
  const actor = flags.actor ?? `${userInfo().username}@${hostname()}`;
  const configPath = flags.config ?? cli.env.GATEWAY_CONFIG ?? 'gateway.config.json';
  const config = existsSync(configPath) ? parseGatewayConfig(readFileSync(configPath, 'utf8'), configPath) : undefined;
  if (flags.config && !config) throw new UsageError(`no config file at ${flags.config}`);
  return {
    flags,
    env: cli.env,
    io,
    now: cli.now(),
    dynamo,
    tables: { tenants: tenantsTable, costLedger: ledgerTable },
    cache: new CacheTableAdmin(dynamo, flags['cache-table'] ?? cli.env.CACHE_TABLE ?? tableOf('responseCache')),
    config,
    admin: new DynamoTenantAdmin(dynamo, tenantsTable, actor, cli.now),
    store: new DynamoTenantStore(dynamo, tenantsTable),
    ledger: new DynamoCostLedger(dynamo, ledgerTable, 1),
    usageKeys: awsRegion && cli.apiGateway ? regionsOf(flags, cli.env, awsRegion).map((r) => new UsagePlanKeys(cli.apiGateway!(r), deployment ?? 'switchboard', r)) : [],
  };
}

/** the regions whose APIs hold the deployment's usage plans: --regions (or REGIONS), else --region */
function regionsOf(flags: Flags, env: CliEnv['env'], region: string): string[] {
  const given = flags.regions ?? env.REGIONS;
  return given ? given.split(',').map((r) => r.trim()).filter(Boolean) : [region];
}

/** Put a stored tenant's usage-plan key in its tier's plan in every region; say what was done. */
async function placeUsageKeys(ctx: Context, tenantId: string, tier: string | undefined): Promise<void> {
  for (const keys of ctx.usageKeys) {
    const { created, plan } = await keys.place(tenantId, tier);
    ctx.io.out(`${created ? 'created' : 'kept'} the usage-plan key of ${tenantId} in plan ${plan} (${keys.region})`);
  }
}

const COMMANDS: Record<string, (ctx: Context) => Promise<void>> = {
  'tenants create': async (ctx) => {
    const id = tenantIdFlag(ctx, 'id');
    if (ctx.config?.tenants.some((t) => t.id === id)) throw new UsageError(`tenant "${id}" is defined in the config file; change it with set-limits, set-budget or set-tier`);
    const tier = ctx.flags.tier === undefined ? undefined : tierFlag(ctx);
    if (await ctx.store.getTenant(id)) throw new AdminError(`tenant "${id}" already exists`);
    // the key first: a tenant must never exist without the key its requests are throttled by
    await placeUsageKeys(ctx, id, tier);
    try {
      await ctx.admin.createTenant(id, { name: ctx.flags.name, tier });
    } catch (err) {
      for (const keys of ctx.usageKeys) await keys.remove(id).catch(() => undefined);
      throw err;
    }
    ctx.io.out(`created tenant ${id}${tier ? ` (tier ${tier})` : ''}`);
  },

  'tenants delete': async (ctx) => {
    const id = tenantIdFlag(ctx, 'id');
    if (ctx.config?.tenants.some((t) => t.id === id)) throw new UsageError(`tenant "${id}" is defined in the config file: remove it there and deploy`);
    if (!(await ctx.store.getTenant(id))) throw new UsageError(`unknown tenant "${id}"`);
    const { revokedKeys } = await ctx.admin.deleteTenant(id);
    for (const keys of ctx.usageKeys) if (await keys.remove(id)) ctx.io.out(`removed the usage-plan key of ${id} (${keys.region})`);
    ctx.io.out(`deleted tenant ${id}; revoked ${revokedKeys} key(s); its ledger and audit log stay`);
  },

  'tenants sync-keys': async (ctx) => {
    if (ctx.usageKeys.length === 0) throw new UsageError('sync-keys works on a deployment: name it with --region (and --regions, --deployment)');
    const configured = new Set(ctx.config?.tenants.map((t) => t.id) ?? []);
    for (const id of await storedTenantIds(ctx.dynamo, ctx.tables.tenants)) {
      // a config-file tenant's key is the stack's
      if (configured.has(id)) continue;
      await placeUsageKeys(ctx, id, (await ctx.store.getTenant(id))?.tier);
    }
  },

  'tenants list': async (ctx) => {
    const stored = await storedTenantIds(ctx.dynamo, ctx.tables.tenants);
    const rows = [...new Set([...(ctx.config?.tenants.map((t) => t.id) ?? []), ...stored])].sort();
    const lines = await Promise.all(
      rows.map(async (id) => {
        const profile = await ctx.store.getTenant(id);
        const fromConfig = ctx.config?.tenants.find((t) => t.id === id);
        const source = fromConfig && profile ? 'config+store' : fromConfig ? 'config' : 'store';
        return [id, source, profile?.tier ?? fromConfig?.tier ?? '', profile?.name ?? fromConfig?.name ?? ''];
      }),
    );
    table(ctx.io, ['TENANT', 'SOURCE', 'TIER', 'NAME'], lines);
  },

  'tenants show': async (ctx) => {
    const id = await existingTenant(ctx, 'id');
    const profile = await ctx.admin.getProfile(id);
    const fromConfig = ctx.config?.tenants.find((t) => t.id === id);
    ctx.io.out(JSON.stringify({ id, config: fromConfig ? { ...fromConfig, apiKeys: fromConfig.apiKeys?.map(() => '<local key>') } : null, stored: profile ?? null }, null, 2));
  },

  'tenants set-limits': (ctx) =>
    setNumbers(ctx, 'limits', rateLimitsSchema, { requestsPerMinute: 'rpm', requestsPerHour: 'rph', requestsPerDay: 'rpd', tokensPerMinute: 'tpm' }),

  'tenants set-budget': (ctx) =>
    setNumbers(ctx, 'budget', budgetSchema, {
      perRequestUsd: 'per-request',
      dailyUsd: 'daily',
      monthlyUsd: 'monthly',
      expensiveCallsPerHour: 'expensive-calls-per-hour',
      expensiveInputPerMTok: 'expensive-input-per-mtok',
    }),

  'tenants set-tier': async (ctx) => {
    const id = await existingTenant(ctx, 'id');
    const tier = tierFlag(ctx);
    const fromConfig = ctx.config?.tenants.find((t) => t.id === id);
    if (fromConfig) {
      // the stack keeps a config-file tenant's key in its config tier's plan
      if (ctx.usageKeys.length) ctx.io.out(`note: ${id} is in the config file; its usage-plan key stays in the plan of its config tier (${fromConfig.tier ?? 'default'}) until the config changes`);
    } else {
      await placeUsageKeys(ctx, id, tier);
    }
    await ctx.admin.setProfile(id, 'tier', () => tier);
    ctx.io.out(`tier of ${id}: ${tier}`);
  },

  'tenants set-guardrails': async (ctx) => {
    const id = await existingTenant(ctx, 'id');
    const names = listFlag(ctx, 'guardrails');
    // the gateway refuses a request whose tenant names a policy its config lacks: checked here when the config is at hand
    const unknown = names?.filter((n) => ctx.config && !Object.hasOwn(ctx.config.guardrails, n)) ?? [];
    if (unknown.length) throw new UsageError(`--guardrails: unknown policy "${unknown[0]}"; the config defines ${Object.keys(ctx.config!.guardrails).join(', ') || 'none'}`);
    await ctx.admin.setProfile(id, 'guardrails', () => names);
    ctx.io.out(`guardrails of ${id}: ${names?.join(', ') ?? 'none (its tier\'s and the config\'s only)'}`);
  },

  'tenants set-ip-allow': async (ctx) => {
    const id = await existingTenant(ctx, 'id');
    const cidrs = listFlag(ctx, 'cidrs');
    const bad = cidrs?.find((c) => parseCidr(c) === undefined);
    if (bad !== undefined) throw new UsageError(`--cidrs: "${bad}" is not an IP address or CIDR range such as 203.0.113.0/24`);
    await ctx.admin.setProfile(id, 'ipAllowList', () => cidrs);
    ctx.io.out(`IP allow-list of ${id}: ${cidrs?.join(', ') ?? 'none (any address)'}`);
  },

  'tenants set-payload-logging': async (ctx) => {
    const id = await existingTenant(ctx, 'id');
    const mode = required(ctx, 'mode');
    if (mode !== 'off' && mode !== 'redacted' && mode !== 'full') throw new UsageError(`--mode must be off, redacted or full, not "${mode}"`);
    await ctx.admin.setProfile(id, 'payloadLogging', () => mode);
    ctx.io.out(`payload logging of ${id}: ${mode} (instances pick it up within gateway.tenantCacheTtlMs)`);
  },

  'tenants map-principal': async (ctx) => {
    const id = await existingTenant(ctx, 'id');
    const arn = required(ctx, 'arn');
    if (!/^arn:aws[a-z-]*:(iam|sts)::\d{12}:/.test(arn)) throw new UsageError(`--arn: "${arn}" is not an IAM role or user ARN`);
    // API Gateway names an assumed role's caller by a session ARN, which the gateway maps through its role:
    // a session ARN itself never matches a caller
    const role = normalizePrincipal(arn);
    if (role !== arn) throw new UsageError(`--arn: "${arn}" is an assumed-role session; map its role instead: --arn ${role}`);
    const path = /^(arn:aws[a-z-]*:iam::\d{12}:role)\/.+\/([^/]+)$/.exec(arn);
    if (path) throw new UsageError(`--arn: callers of "${arn}" arrive as sessions of the role without its path; map --arn ${path[1]}/${path[2]}`);
    const inConfig = ctx.config?.tenants.find((t) => t.iamPrincipals?.includes(arn));
    if (inConfig && inConfig.id !== id) throw new UsageError(`--arn: ${arn} is mapped to tenant "${inConfig.id}" by the config file, which wins: change it there`);
    const current = await ctx.store.findPrincipal(arn);
    if (current && current.tenantId !== id && !ctx.flags.force) {
      throw new UsageError(`--arn: ${arn} acts as tenant "${current.tenantId}"; moving it to ${id} changes who pays for its calls: add --force to move it`);
    }
    await ctx.admin.mapPrincipal(id, arn);
    ctx.io.out(`IAM callers as ${arn} now act as tenant ${id}${current && current.tenantId !== id ? ` (moved from ${current.tenantId})` : ''}`);
  },

  'keys create': async (ctx) => {
    const id = await existingTenant(ctx, 'tenant');
    const expiresIn = ctx.flags['expires-in'] === undefined ? undefined : durationFlag(ctx, 'expires-in');
    const { key, keyId } = await ctx.admin.createKey(id, { name: ctx.flags.name, expiresAt: expiresIn === undefined ? undefined : ctx.now + expiresIn });
    printNewKey(ctx, id, key, keyId);
  },

  'keys list': async (ctx) => {
    const id = await existingTenant(ctx, 'tenant');
    const keys = await ctx.admin.listKeys(id);
    table(
      ctx.io,
      ['KEY ID', 'NAME', 'CREATED', 'EXPIRES', 'STATUS'],
      keys.map((k) => [
        k.keyId,
        k.name ?? '',
        iso(k.createdAt),
        k.expiresAt ? iso(k.expiresAt) : 'never',
        k.revoked ? 'revoked' : k.expiresAt !== undefined && k.expiresAt <= ctx.now ? 'expired' : 'active',
      ]),
    );
  },

  'keys rotate': async (ctx) => {
    const id = await existingTenant(ctx, 'tenant');
    const oldKeyId = required(ctx, 'key-id');
    const grace = ctx.flags.grace === undefined ? 24 * 3_600_000 : durationFlag(ctx, 'grace');
    if (!(await ctx.admin.listKeys(id)).some((k) => k.keyId === oldKeyId && !k.revoked)) throw new UsageError(`tenant "${id}" has no active key "${oldKeyId}"`);
    const { key, keyId } = await ctx.admin.createKey(id, { name: ctx.flags.name });
    const until = await ctx.admin.expireKey(id, oldKeyId, ctx.now + grace);
    printNewKey(ctx, id, key, keyId);
    ctx.io.out(`the old key ${oldKeyId} keeps working until ${iso(until)}`);
  },

  'keys revoke': async (ctx) => {
    const id = await existingTenant(ctx, 'tenant');
    const keyId = required(ctx, 'key-id');
    await ctx.admin.revokeKey(id, keyId);
    ctx.io.out(`revoked ${keyId} of ${id}; gateways stop accepting it within their tenant cache TTL`);
  },

  usage: async (ctx) => {
    const id = await existingTenant(ctx, 'tenant');
    const day = ctx.flags.day ?? dayOf(ctx.now);
    const month = ctx.flags.month ?? (ctx.flags.day ? day.slice(0, 7) : monthOf(ctx.now));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new UsageError(`--day: "${day}" is not YYYY-MM-DD`);
    if (!/^\d{4}-\d{2}$/.test(month)) throw new UsageError(`--month: "${month}" is not YYYY-MM`);
    if (ctx.flags.csv !== undefined) return exportCsv(ctx, id, ctx.flags.day ? [day] : daysOf(month, ctx.now));
    const usage = await ctx.ledger.usage(id, day, month);
    for (const p of [usage.day, usage.month]) printPeriod(ctx.io, p);
  },

  audit: async (ctx) => {
    const id = tenantIdFlag(ctx, 'tenant');
    const entries = await ctx.admin.listAudit(id);
    table(ctx.io, ['WHEN', 'WHO', 'WHAT', 'DETAILS'], entries.map((e) => [iso(e.at), e.actor, e.action, JSON.stringify(e.details)]));
  },

  'cache stats': async (ctx) => {
    const stats = await ctx.cache.stats(ctx.now);
    if (!stats.length) return ctx.io.out('the response cache is empty');
    const scopeOf = (partition: string) => {
      const [kind, ...rest] = partition.split('#');
      return kind === 'S' ? ['(shared)', rest.join('#')] : [rest[0] ?? '', rest.slice(1).join('#')];
    };
    table(ctx.io, ['TENANT', 'ALIAS', 'ENTRIES', 'LIVE', 'KB'], stats.map((s) => [...scopeOf(s.partition), String(s.items), String(s.live), (s.bytes / 1024).toFixed(1)]));
    const total = stats.reduce((a, s) => ({ items: a.items + s.items, bytes: a.bytes + s.bytes }), { items: 0, bytes: 0 });
    ctx.io.out(`${total.items} entries, ${(total.bytes / 1024).toFixed(1)} KB compressed; hits and savings per tenant: switchboard usage --tenant ID`);
  },

  'cache purge': async (ctx) => {
    const id = tenantIdFlag(ctx, 'tenant');
    const alias = ctx.flags.model;
    if (alias !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(alias)) throw new UsageError(`--model: "${alias}" is not a model alias`);
    const deleted = await ctx.cache.purge(id, alias);
    ctx.io.out(`deleted ${deleted} cached answer(s) of ${id}${alias ? ` for ${alias}` : ''}; instances may serve one from memory for up to a minute`);
  },

  'reservations sweep': async (ctx) => {
    const result = await sweepLeases({ client: ctx.dynamo, tables: ctx.tables, regions: await regionsFlag(ctx), configTenantIds: ctx.config?.tenants.map((t) => t.id) ?? [], logger: consoleLogger(ctx.io), now: ctx.now });
    ctx.io.out(`released ${result.released} expired budget lease(s), $${formatUsd(result.returnedNanoUsd)} back to their budgets`);
  },
};

/** Set some numbers of a profile's limits or budget from their flags ("none" removes one), validated as the config is. */
async function setNumbers<T extends object>(ctx: Context, part: 'limits' | 'budget', schema: z.ZodType<T>, flags: Record<string, keyof Flags>): Promise<void> {
  const id = await existingTenant(ctx, 'id');
  const change = Object.fromEntries(Object.entries(flags).map(([field, flag]) => [field, numberFlag(ctx, flag)]));
  const value = await ctx.admin.setProfile(id, part, (current) => validated(schema, part, mergeChange(current, change)) as never);
  ctx.io.out(`${part} of ${id}: ${describeObject(value ?? {})}`);
}

function printNewKey(ctx: Context, tenantId: string, key: string, keyId: string): void {
  ctx.io.out(`new key ${keyId} for ${tenantId} — shown once; only its SHA-256 is stored:`);
  ctx.io.out('');
  ctx.io.out(`  ${key}`);
  ctx.io.out('');
}

function printPeriod(io: CliIo, p: PeriodUsage): void {
  io.out(`${p.period}: $${formatUsd(p.costNanoUsd)} spent, $${formatUsd(p.reservedNanoUsd)} reserved, ${p.requests} requests, ${p.inputTokens} input / ${p.outputTokens} output tokens`);
  if (p.operatorCostNanoUsd) io.out(`  and $${formatUsd(p.operatorCostNanoUsd)} borne by the operator (retried failures, hedge losers, shadow calls)`);
  if (p.cacheHits) io.out(`  ${p.cacheHits} answered from the response cache, saving $${formatUsd(p.cacheSavedNanoUsd ?? 0)}`);
  const rows = (kind: string, totals: Record<string, UsageBreakdown>) =>
    Object.entries(totals)
      .sort((a, b) => b[1].costNanoUsd - a[1].costNanoUsd)
      .map(([name, b]) => [kind, name, String(b.requests), String(b.inputTokens), String(b.outputTokens), formatUsd(b.costNanoUsd)]);
  const lines = [...rows('model', p.byModel), ...rows('provider', p.byProvider)];
  if (lines.length) table(io, ['BY', 'NAME', 'REQUESTS', 'INPUT', 'OUTPUT', 'COST USD'], lines);
  io.out('');
}

const CSV_COLUMNS = ['at', 'requestId', 'tenantId', 'route', 'alias', 'provider', 'model', 'inputTokens', 'cachedInputTokens', 'outputTokens', 'costUsd', 'operatorCostUsd', 'calls', 'latencyMs', 'status', 'attempts', 'stream', 'region', 'cache', 'cacheSavedUsd'] as const;

/** one request's upstream calls in a cell: provider/model:status:bearer:cost, estimated ones marked "~" */
function callsCell(calls: LedgerEntry['calls']): string {
  return calls.map((c) => `${c.provider}/${c.model}:${c.status}:${c.bearer}:${c.estimated ? '~' : ''}${formatUsd(c.costNanoUsd)}`).join(' ');
}

async function exportCsv(ctx: Context, tenantId: string, days: string[]): Promise<void> {
  const lines = [CSV_COLUMNS.join(',')];
  for (const day of days) {
    for await (const e of ctx.ledger.entries(tenantId, day)) {
      const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
        ...e,
        inputTokens: e.tokens.input,
        cachedInputTokens: e.tokens.cachedInput,
        outputTokens: e.tokens.output,
        at: iso(e.at),
        costUsd: formatUsd(e.costNanoUsd),
        operatorCostUsd: formatUsd(e.operatorCostNanoUsd),
        calls: callsCell(e.calls),
        region: e.region,
        cache: e.cache?.status,
        cacheSavedUsd: e.cache?.savedNanoUsd === undefined ? undefined : formatUsd(e.cache.savedNanoUsd),
      };
      lines.push(CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
    }
  }
  const text = `${lines.join('\n')}\n`;
  if (ctx.flags.csv === '-') ctx.io.out(text.trimEnd());
  else {
    writeFileSync(ctx.flags.csv!, text);
    ctx.io.out(`wrote ${lines.length - 1} request(s) to ${ctx.flags.csv}`);
  }
}

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** the days of a month up to today */
function daysOf(month: string, now: number): string[] {
  const days: string[] = [];
  const today = dayOf(now);
  for (let d = new Date(`${month}-01T00:00:00Z`); d.toISOString().startsWith(month); d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    if (day > today) break;
    days.push(day);
  }
  return days;
}

function table(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) io.out(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  if (rows.length === 0) io.out('(none)');
}

function required(ctx: Context, flag: keyof Flags): string {
  const value = ctx.flags[flag];
  if (typeof value !== 'string' || !value) throw new UsageError(`--${flag} is required`);
  return value;
}

function tenantIdFlag(ctx: Context, flag: 'id' | 'tenant'): string {
  const id = required(ctx, flag);
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(id)) throw new UsageError(`--${flag}: "${id}" is not a tenant id (1-63 lower-case letters, digits, ".", "_" or "-")`);
  return id;
}

async function existingTenant(ctx: Context, flag: 'id' | 'tenant'): Promise<string> {
  const id = tenantIdFlag(ctx, flag);
  if (!ctx.config?.tenants.some((t) => t.id === id) && !(await ctx.store.getTenant(id))) {
    throw new UsageError(`unknown tenant "${id}" (create it with: tenants create --id ${id})`);
  }
  return id;
}

/**
 * The region whose items this run writes, among the deployment's (--regions, the primary first). Without
 * --regions the one region is taken for the primary, which a replicated (global) table refuses: written through
 * a secondary's replica, the primary's items would race with the primary's own writes.
 */
async function regionsFlag(ctx: Context): Promise<RegionScope> {
  const own = ctx.flags.region ?? ctx.env.AWS_REGION ?? 'local';
  const given = ctx.flags.regions ?? ctx.env.REGIONS;
  if (given === undefined) {
    const { Table } = await ctx.dynamo.send(new DescribeTableCommand({ TableName: ctx.tables.costLedger }));
    const replicas = (Table?.Replicas ?? []).map((r) => r.RegionName);
    if (replicas.some((r) => r !== own)) throw new UsageError(`${ctx.tables.costLedger} is a global table (${replicas.join(', ')}): name the deployment's regions with --regions, the primary first`);
  }
  const all = (given ?? own).split(',').map((r) => r.trim()).filter(Boolean);
  if (!all.includes(own)) throw new UsageError(`--regions: ${all.join(',')} does not include this region, ${own} (name it with --region)`);
  return { own, all };
}

/** a comma list, or "none" (undefined: the setting removed) */
function listFlag(ctx: Context, flag: 'guardrails' | 'cidrs'): string[] | undefined {
  const value = required(ctx, flag);
  if (value === 'none') return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`--${flag}: give a comma-separated list, or "none"`);
  return items;
}

function tierFlag(ctx: Context): string {
  const tier = required(ctx, 'tier');
  if (ctx.config && !(tier in ctx.config.tiers)) {
    throw new UsageError(`--tier: unknown tier "${tier}"; the config defines ${Object.keys(ctx.config.tiers).join(', ') || 'none'}`);
  }
  return tier;
}

/** a number, "none" to remove the setting (null), or undefined when the flag was not given */
function numberFlag(ctx: Context, flag: keyof Flags): number | null | undefined {
  const value = ctx.flags[flag];
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag}: "${String(value)}" is not a number (or "none")`);
  return n;
}

function durationFlag(ctx: Context, flag: keyof Flags): number {
  const value = String(ctx.flags[flag]);
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!match) throw new UsageError(`--${flag}: "${value}" is not a duration like 90s, 15m, 24h or 30d`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

function mergeChange<T extends object>(current: T | undefined, change: Record<string, number | null | undefined>): Record<string, number> {
  const merged: Record<string, number> = { ...(current as Record<string, number>) };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete merged[k];
    else if (v !== undefined) merged[k] = v;
  }
  return merged;
}

function validated<T>(schema: z.ZodType<T>, what: string, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new UsageError(result.error.issues.map((i) => `${what}.${i.path.map(String).join('.')}: ${i.message}`).join('\n'));
}

function describeObject(o: object): string {
  const entries = Object.entries(o);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '(none)';
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function consoleLogger(io: CliIo): Logger {
  const line = (message: string, attributes?: Record<string, unknown>) => io.out(`${message}${attributes ? ` ${JSON.stringify(attributes)}` : ''}`);
  return { debug: () => {}, info: line, warn: line, error: (m, a) => io.err(`${m} ${JSON.stringify(a ?? {})}`) };
}
