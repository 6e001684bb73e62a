// The deploy settings (CDK context, `cdk.json` or `-c key=value`), validated once at synth so a typo fails
// before anything is built, with every problem listed.
import type { Node } from 'constructs';
import * as z from 'zod';
import { describeIssues } from '../../lambdas/core/config/load';

/** `-c regions=a,b` arrives as a string, `cdk.json` may hold an array: accept both. */
function commaList<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value),
    z.array(item),
  );
}

const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'an AWS region such as us-east-1');
const hostname = z
  .string()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a DNS name such as ai.example.com');

export const ROUTING_POLICIES = ['failover', 'latency'] as const;

/** The deployment name when none is given: the stack and physical names a single deployment has always had. */
export const DEFAULT_DEPLOYMENT_NAME = 'switchboard';

/** Where `cdk deploy` reads the gateway config from unless `gatewayConfig` says otherwise (real providers only). */
export const DEFAULT_DEPLOY_CONFIG = 'deploy/gateway.config.json';

/**
 * The headers that carry a caller's key. API Gateway may cache an authorizer answer only by a header that
 * carries the credential, so that the cache key is the credential itself.
 */
export const CREDENTIAL_HEADERS = ['authorization', 'x-api-key'] as const;

/** `-c flag=true` arrives as a string: accept true/false in either form. */
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const deploySettings = z
  .object({
    /** the first is primary: it owns the global tables and secrets, and is PRIMARY in failover routing */
    regions: commaList(region).default([]),
    domainName: hostname.optional(),
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ').optional(),
    hostedZoneName: hostname.optional(),
    alarmEmails: commaList(z.email()).default([]),
    /**
     * The deployment: prefixes every stack name and physical name (tables, secrets, alarms, log groups, API,
     * usage plans…), so several deployments (staging, prod) share an account and region. Short, because AWS
     * names have limits (a sampling rule name has 32 characters).
     */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$|^[a-z]$/, '1-20 lower-case letters, digits or "-", starting with a letter')
      .default(DEFAULT_DEPLOYMENT_NAME),
    /**
     * What `cdk destroy` does with tables and secrets: `retain` (tenants, ledger and provider keys stay, with
     * deletion protection) or `destroy` (a dev deployment: everything goes).
     */
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    gatewayConfig: z.string().min(1).default(DEFAULT_DEPLOY_CONFIG),
    /** with two or more regions: `failover` (PRIMARY/SECONDARY) or `latency` (nearest healthy region) */
    routing: z.enum(ROUTING_POLICIES).default('failover'),
    /**
     * seconds API Gateway caches an authorizer answer per key; above 0 only `Authorization: Bearer` keys
     * are accepted (see GatewayApiProps.authorizerCacheTtl)
     */
    authorizerCacheTtl: z.coerce.number().int().min(0).max(3600).default(0),
    /** the header API Gateway caches authorizer answers by (with authorizerCacheTtl above 0): the one that carries the key */
    authorizerCacheHeader: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(CREDENTIAL_HEADERS)).default('authorization'),
    /** gateway function memory in MB (see docs/deploy.md, "Memory") */
    gatewayMemoryMb: z.coerce.number().int().min(128).max(10_240).default(512),
    /** requests per 5 minutes per client IP; set it to put a WAF web ACL in front of the API */
    wafRateLimit: z.coerce.number().int().min(10).max(2_000_000_000).optional(),
    /** share of API requests traced by X-Ray (GET /health never is) */
    traceSampleRate: z.coerce.number().min(0).max(1).default(0.05),
    /**
     * Publish CostUsd and BudgetThresholdReached per tenant as CloudWatch metrics ($0.30 a month per tenant and
     * metric). Off: the tenant is a field of the metric's log line (the dashboard's cost-by-tenant table reads it).
     */
    tenantMetrics: flag.default(false),
    /** encrypt the alarm topic with a customer-managed KMS key ($1 a month per region) */
    encryptAlarmTopic: flag.default(false),
    /** AWS Chatbot: a Slack channel subscribed to every region's alarm topic (the workspace is authorized once in the console) */
    slackWorkspaceId: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Slack workspace id such as T0123456789').optional(),
    slackChannelId: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Slack channel id such as C0123456789').optional(),
    /** AWS Chatbot: a Microsoft Teams channel (the team is authorized once in the console) */
    teamsTenantId: z.guid().optional(),
    teamsTeamId: z.guid().optional(),
    teamsChannelId: z.string().min(1).max(256).optional(),
    /** an AWS Budgets monthly cost budget (USD) for this deployment, alerting at 80 % actual and 100 % forecast to the alarm topic */
    monthlyBudgetUsd: z.coerce.number().positive().optional(),
    /**
     * Synthesize only the retained state (tables and secrets) of the state stack, to `cdk import` them after a
     * teardown (docs/deploy.md, "Teardown")
     */
    importRetainedState: flag.default(false),
    /** days a logged payload (tenants with payloadLogging on) is kept in the payload bucket */
    payloadRetentionDays: z.coerce.number().int().min(1).max(3650).default(30),
    /** S3 Object Lock on logged payloads (audit immutability): governance or compliance; fixed when the bucket is made */
    payloadObjectLock: z.enum(['governance', 'compliance']).optional(),
    /** days each payload is locked (with payloadObjectLock), at most payloadRetentionDays @default payloadRetentionDays */
    payloadObjectLockDays: z.coerce.number().int().min(1).max(3650).optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.regions.forEach((r, i) => {
      if (seen.has(r)) ctx.addIssue({ code: 'custom', path: ['regions', i], message: `region "${r}" is listed twice` });
      seen.add(r);
    });
    const dns = { domainName: s.domainName, hostedZoneId: s.hostedZoneId, hostedZoneName: s.hostedZoneName };
    const given = Object.entries(dns).filter(([, v]) => v !== undefined);
    if (given.length > 0 && given.length < 3) {
      for (const [key, value] of Object.entries(dns)) {
        if (value === undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: 'domainName, hostedZoneId and hostedZoneName go together: set all three or none' });
      }
    }
    if (s.domainName && s.hostedZoneName) {
      if (s.domainName !== s.hostedZoneName && !s.domainName.endsWith(`.${s.hostedZoneName}`))
        ctx.addIssue({ code: 'custom', path: ['domainName'], message: `"${s.domainName}" is not inside the hosted zone "${s.hostedZoneName}"` });
      // the shared name points at the regional names with CNAME records, which a zone apex cannot hold
      if (s.regions.length > 1 && s.domainName === s.hostedZoneName)
        ctx.addIssue({ code: 'custom', path: ['domainName'], message: 'with several regions, use a subdomain (such as ai.example.com), not the zone apex' });
    }
    together(ctx, s, ['slackWorkspaceId', 'slackChannelId'], 'the Slack channel');
    together(ctx, s, ['teamsTenantId', 'teamsTeamId', 'teamsChannelId'], 'the Teams channel');
    if (s.payloadObjectLockDays !== undefined && !s.payloadObjectLock)
      ctx.addIssue({ code: 'custom', path: ['payloadObjectLockDays'], message: 'payloadObjectLockDays needs payloadObjectLock (governance or compliance)' });
    if ((s.payloadObjectLockDays ?? 0) > s.payloadRetentionDays)
      ctx.addIssue({ code: 'custom', path: ['payloadObjectLockDays'], message: 'payloadObjectLockDays cannot pass payloadRetentionDays (an object is deleted when it expires)' });
    if (s.regions.length < 2 && s.routing !== 'failover')
      ctx.addIssue({ code: 'custom', path: ['routing'], message: 'latency routing needs two or more regions' });
  });

export type DeploySettings = z.infer<typeof deploySettings>;

function together<K extends string>(ctx: z.RefinementCtx, s: Partial<Record<K, unknown>>, keys: K[], what: string): void {
  const given = keys.filter((k) => s[k] !== undefined);
  if (given.length === 0 || given.length === keys.length) return;
  for (const key of keys) {
    if (s[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${keys.join(', ')} go together (${what}): set all or none` });
  }
}

export const DEPLOY_SETTING_KEYS = Object.keys(deploySettings.shape) as Array<keyof DeploySettings>;

export class DeploySettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid deploy settings (CDK context):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DeploySettingsError';
  }
}

/** Validate raw context values; an empty string counts as unset (a blank `-c key=` in a script). */
export function parseDeploySettings(raw: Record<string, unknown>): DeploySettings {
  const input = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const result = deploySettings.safeParse(input);
  if (!result.success) throw new DeploySettingsError(describeIssues(result.error.issues));
  return result.data;
}

export function readDeploySettings(node: Node): DeploySettings {
  return parseDeploySettings(Object.fromEntries(DEPLOY_SETTING_KEYS.map((key) => [key, node.tryGetContext(key)])));
}

/** The custom domain, when all three DNS settings are given. */
export function customDomainOf(s: DeploySettings): { domainName: string; hostedZoneId: string; hostedZoneName: string } | undefined {
  return s.domainName && s.hostedZoneId && s.hostedZoneName
    ? { domainName: s.domainName, hostedZoneId: s.hostedZoneId, hostedZoneName: s.hostedZoneName }
    : undefined;
}
