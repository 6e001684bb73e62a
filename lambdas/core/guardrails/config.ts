// The config's guardrail policies (gateway.config.json "guardrails"), checked when the config loads: every
// regular expression compiles (the error names the policy), every policy name a tier, tenant or alias
// attaches exists.
import * as z from 'zod';
import { PII_CHECKS } from './pii';

export const GUARDRAIL_CHECKS = [...PII_CHECKS, 'control_tokens', 'prompt_injection'] as const;
export type GuardrailCheck = (typeof GUARDRAIL_CHECKS)[number];

const pattern = z.string().min(1).max(1000);

export const guardrailPolicy = z.strictObject({
  /** block: 400 content_policy_violation; mask: the match replaced before it leaves; monitor: a log field and a metric */
  mode: z.enum(['block', 'mask', 'monitor']),
  checks: z.array(z.enum(GUARDRAIL_CHECKS)).optional(),
  /** input: the request's text (all messages) longer than this many characters is refused (monitor: flagged) */
  maxPromptChars: z.number().int().positive().optional(),
  /** JavaScript regular expressions, case-insensitive: a match acts (mask: replaced by [DENIED_n]) */
  deny: z.array(pattern).optional(),
  /** JavaScript regular expressions, case-insensitive: the request's user text must match at least one (input only) */
  allow: z.array(pattern).optional(),
  /** where the policy applies @default both */
  apply: z.enum(['input', 'output', 'both']).default('both'),
  /** prompt_injection: the score at which a text is flagged (each pattern weighs 0.3-1) @default 1 */
  injectionThreshold: z.number().positive().optional(),
  /** streamed answers: characters held back so a match is caught before it is sent @default 64 */
  streamHoldBackChars: z.number().int().min(16).max(8192).optional(),
  /** Amazon Bedrock Guardrails: ApplyGuardrail with this guardrail and version */
  bedrock: z
    .strictObject({
      guardrailId: z.string().regex(/^(?:[a-z0-9][a-z0-9-]{0,63}|arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:guardrail\/[a-z0-9]+)$/, 'a guardrail id as Bedrock shows it, or its ARN'),
      version: z.string().regex(/^(?:[1-9]\d{0,7}|DRAFT)$/, 'a version number or DRAFT'),
      /** the service failed: open lets the request through (logged), closed refuses it @default closed */
      onError: z.enum(['open', 'closed']).default('closed'),
      /** its region, when not the gateway's */
      region: z.string().optional(),
    })
    .optional(),
});

export type GuardrailPolicy = z.infer<typeof guardrailPolicy>;

const policyName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a policy name: 1-63 lower-case letters, digits, ".", "_" or "-"');
export const guardrailPolicies = z.record(policyName, guardrailPolicy);
/** policy names attached to a tier, tenant or model alias */
export const guardrailNames = z.array(policyName);

/** problems for the config's superRefine: regexes that do not compile, names that name no policy, empty policies */
export function guardrailProblems(cfg: {
  guardrails?: Record<string, GuardrailPolicy>;
  tiers: Record<string, { guardrails?: string[] }>;
  tenants: Array<{ guardrails?: string[] }>;
  models: Array<{ guardrails?: string[] }>;
}): Array<{ path: (string | number)[]; message: string }> {
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  const policies = cfg.guardrails ?? {};
  for (const [name, p] of Object.entries(policies)) {
    for (const list of ['deny', 'allow'] as const) {
      p[list]?.forEach((source, i) => {
        try {
          new RegExp(source, 'i');
        } catch (err) {
          problems.push({ path: ['guardrails', name, list, i], message: `guardrail "${name}": ${list}[${i}] is not a valid regular expression: ${(err as Error).message}` });
        }
      });
    }
    if (!p.checks?.length && !p.deny?.length && !p.allow?.length && !p.maxPromptChars && !p.bedrock)
      problems.push({ path: ['guardrails', name], message: `guardrail "${name}" has nothing to check: give it checks, deny, allow, maxPromptChars or bedrock` });
    if (p.apply === 'output' && (p.allow?.length || p.maxPromptChars))
      problems.push({ path: ['guardrails', name], message: `guardrail "${name}": allow and maxPromptChars check input; they do nothing with apply "output"` });
  }
  const attached = (path: (string | number)[], names: string[] | undefined) =>
    names?.forEach((n, i) => {
      if (!Object.hasOwn(policies, n)) problems.push({ path: [...path, i], message: `unknown guardrail "${n}"` });
    });
  for (const [tier, t] of Object.entries(cfg.tiers)) attached(['tiers', tier, 'guardrails'], t.guardrails);
  cfg.tenants.forEach((t, i) => attached(['tenants', i, 'guardrails'], t.guardrails));
  cfg.models.forEach((m, i) => attached(['models', i, 'guardrails'], m.guardrails));
  return problems;
}
