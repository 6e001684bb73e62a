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

export const deploySettings = z
  .object({
    /** the first is primary: it owns the global tables and secrets, and is PRIMARY in failover routing */
    regions: commaList(region).default([]),
    domainName: hostname.optional(),
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ').optional(),
    hostedZoneName: hostname.optional(),
    alarmEmails: commaList(z.email()).default([]),
    gatewayConfig: z.string().min(1).default('gateway.config.json'),
    /** with two or more regions: `failover` (PRIMARY/SECONDARY) or `latency` (nearest healthy region) */
    routing: z.enum(ROUTING_POLICIES).default('failover'),
    /**
     * seconds API Gateway caches an authorizer answer per key; above 0 only `Authorization: Bearer` keys
     * are accepted (see GatewayApiProps.authorizerCacheTtl)
     */
    authorizerCacheTtl: z.coerce.number().int().min(0).max(3600).default(0),
    /** gateway function memory in MB (see docs/deploy.md, "Memory") */
    gatewayMemoryMb: z.coerce.number().int().min(128).max(10_240).default(512),
    /** requests per 5 minutes per client IP; set it to put a WAF web ACL in front of the API */
    wafRateLimit: z.coerce.number().int().min(10).max(2_000_000_000).optional(),
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
    if (s.regions.length < 2 && s.routing !== 'failover')
      ctx.addIssue({ code: 'custom', path: ['routing'], message: 'latency routing needs two or more regions' });
  });

export type DeploySettings = z.infer<typeof deploySettings>;

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
