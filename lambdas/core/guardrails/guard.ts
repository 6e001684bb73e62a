// Guardrail policies at work on one request: which apply (the tenant's tier, the tenant, the model alias),
// the input checks before anything is admitted or sent, the output checks on a whole answer, and what acted
// (the x-gateway-guardrails items, the ledger's `guardrails`, a log line and the GuardrailActions metric).
// Never the matched text: only policy and check names leave this file.
import type { GatewayConfig } from '../config/schema';
import { GatewayError } from '../errors';
import { METRICS } from '../observability';
import type { Logger, Metrics } from '../ports';
import type { GuardrailCheck, GuardrailPolicy } from './config';
import { CONTROL_TOKENS, DEFAULT_INJECTION_THRESHOLD, findControlTokens, injectionScore } from './injection';
import { disjoint, findPii, PII_CHECKS, type Match, type PiiCheck } from './pii';
import { answerSlots, requestSlots, type TextSlot } from './texts';

export const DEFAULT_HOLD_BACK_CHARS = 64;

/** Amazon Bedrock Guardrails' ApplyGuardrail, as the core needs it (lambdas/adapters/bedrock-guardrails.ts) */
export interface GuardrailService {
  apply(req: { guardrailId: string; version: string; region?: string; source: 'INPUT' | 'OUTPUT'; texts: string[] }): Promise<{
    intervened: boolean;
    /** the texts with sensitive information anonymized, one per text sent, when the guardrail only masked */
    anonymized?: string[];
  }>;
}

export interface CompiledPolicy {
  name: string;
  mode: GuardrailPolicy['mode'];
  pii: PiiCheck[];
  controlTokens: boolean;
  injection: boolean;
  injectionThreshold: number;
  maxPromptChars?: number;
  deny: RegExp[];
  allow: RegExp[];
  input: boolean;
  output: boolean;
  holdBackChars: number;
  bedrock?: NonNullable<GuardrailPolicy['bedrock']>;
}

function compile(name: string, p: GuardrailPolicy): CompiledPolicy {
  const checks = new Set<GuardrailCheck>(p.checks ?? []);
  return {
    name,
    mode: p.mode,
    pii: PII_CHECKS.filter((c) => checks.has(c)),
    controlTokens: checks.has('control_tokens'),
    injection: checks.has('prompt_injection'),
    injectionThreshold: p.injectionThreshold ?? DEFAULT_INJECTION_THRESHOLD,
    maxPromptChars: p.maxPromptChars,
    deny: (p.deny ?? []).map((s) => new RegExp(s, 'gi')),
    allow: (p.allow ?? []).map((s) => new RegExp(s, 'i')),
    input: p.apply !== 'output',
    output: p.apply !== 'input',
    holdBackChars: p.streamHoldBackChars ?? DEFAULT_HOLD_BACK_CHARS,
    bedrock: p.bedrock,
  };
}

const compiled = new WeakMap<GatewayConfig, Map<string, CompiledPolicy>>();

function book(config: GatewayConfig): Map<string, CompiledPolicy> {
  let b = compiled.get(config);
  if (!b) {
    b = new Map(Object.entries(config.guardrails ?? {}).map(([name, p]) => [name, compile(name, p)]));
    compiled.set(config, b);
  }
  return b;
}

/**
 * The policies a request is under: its tenant's tier's, the tenant's own, then the model alias's (each once,
 * in that order). A name stored on a tenant profile that the config does not define refuses the request
 * (fails closed) rather than serving it unchecked.
 */
export function policiesFor(config: GatewayConfig, tenant: { tier?: string; guardrails?: string[] }, model: string): CompiledPolicy[] {
  const names = [...(tenant.tier ? (config.tiers[tenant.tier]?.guardrails ?? []) : []), ...(tenant.guardrails ?? []), ...(config.models.find((m) => m.name === model)?.guardrails ?? [])];
  if (!names.length) return [];
  const b = book(config);
  const out: CompiledPolicy[] = [];
  for (const name of new Set(names)) {
    const p = b.get(name);
    if (!p) throw new GatewayError(500, 'internal_error', `The tenant's guardrail "${name}" is not in the gateway config: refused until an operator fixes it.`);
    out.push(p);
  }
  return out;
}


type Verb = 'masked' | 'flagged' | 'blocked';
type Direction = 'input' | 'output';

export function contentPolicyViolation(policy: string, check: string, direction: Direction): GatewayError {
  const what = direction === 'input' ? 'request' : 'answer';
  return new GatewayError(400, 'content_policy_violation', `The ${what} was refused by the guardrail policy '${policy}' (check: ${check}).`, { type: 'invalid_request_error' });
}

/** What one request's guardrails did, and the placeholders its masked values got. */
export class RequestGuard {
  /** value → placeholder: the same value gets the same placeholder within the request */
  private readonly placeholders = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  /** `policy:verb` → checks, in the order they acted */
  private readonly acted = new Map<string, Set<string>>();

  constructor(
    readonly policies: CompiledPolicy[],
    private readonly deps: { logger: Logger; metrics: Metrics; guardrails?: GuardrailService; requestId: string },
  ) {}

  get outputPolicies(): CompiledPolicy[] {
    return this.policies.filter((p) => p.output);
  }

  /** the x-gateway-guardrails items: `pii-mask:masked=email,payment_card` (output ones as `output-masked`…) */
  items(): string[] {
    return [...this.acted].map(([key, checks]) => `${key}=${[...checks].join(',')}`);
  }

  note(policy: CompiledPolicy, verb: Verb, check: string, direction: Direction): void {
    const key = `${policy.name}:${direction === 'output' ? `output-${verb}` : verb}`;
    let checks = this.acted.get(key);
    if (!checks) this.acted.set(key, (checks = new Set()));
    if (checks.has(check)) return;
    checks.add(check);
    const action = verb === 'masked' ? 'mask' : verb === 'blocked' ? 'block' : 'monitor';
    this.deps.metrics.add(METRICS.guardrailActions, 1, 'Count', { Action: action, Direction: direction });
    this.deps.logger.info('guardrail acted', { requestId: this.deps.requestId, guardrail: policy.name, action, check, direction });
  }

  /** act on a finding: block throws, mask says to replace, monitor notes */
  private act(policy: CompiledPolicy, check: string, direction: Direction, maskable: boolean): boolean {
    if (policy.mode === 'monitor') {
      this.note(policy, 'flagged', check, direction);
      return false;
    }
    if (policy.mode === 'block' || !maskable) {
      this.note(policy, 'blocked', check, direction);
      throw contentPolicyViolation(policy.name, check, direction);
    }
    this.note(policy, 'masked', check, direction);
    return true;
  }

  placeholderFor(check: string, value: string): string {
    const key = `${check}\u0000${value}`;
    let p = this.placeholders.get(key);
    if (!p) {
      // [EMAIL_1], [PAYMENT_CARD_1]…; a deny pattern's match is [DENIED_1]
      const kind = check === 'deny' ? 'DENIED' : check.toUpperCase();
      const n = (this.counters.get(kind) ?? 0) + 1;
      this.counters.set(kind, n);
      p = `[${kind}_${n}]`;
      this.placeholders.set(key, p);
    }
    return p;
  }

  /** PII and deny matches of a policy in a text */
  findMatches(policy: CompiledPolicy, text: string): Match[] {
    const matches = policy.pii.length ? findPii(text, policy.pii) : [];
    for (const re of policy.deny) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        matches.push({ start: m.index, end: m.index + m[0].length, check: 'deny' });
      }
    }
    return disjoint(matches);
  }

  /** act on a policy's matches in a text (noted; a block throws); the text with the masked ones replaced (unchanged unless masking) */
  check(policy: CompiledPolicy, text: string, direction: Direction): string {
    const matches = this.findMatches(policy, text);
    if (!matches.length) return text;
    let masking = false;
    for (const m of matches) masking = this.act(policy, m.check, direction, true) || masking;
    if (!masking) return text;
    let out = '';
    let at = 0;
    for (const m of matches) {
      out += text.slice(at, m.start) + this.placeholderFor(m.check, text.slice(m.start, m.end));
      at = m.end;
    }
    return out + text.slice(at);
  }

  /** The input checks, in policy order: refuses (throws) before anything is admitted, or masks in place. */
  async input(req: { chat: { messages: unknown } }): Promise<void> {
    const policies = this.policies.filter((p) => p.input);
    if (!policies.length) return;
    const slots = requestSlots(req as never);
    for (const policy of policies) {
      const userSlots = slots.filter((s) => s.role === 'user' || s.role === 'tool');
      if (policy.maxPromptChars !== undefined) {
        const chars = slots.reduce((n, s) => n + s.text.length, 0);
        if (chars > policy.maxPromptChars) this.act(policy, 'max_prompt_chars', 'input', false);
      }
      if (policy.allow.length) {
        const user = slots.filter((s) => s.role === 'user').map((s) => s.text).join('\n');
        if (!policy.allow.some((re) => re.test(user))) this.act(policy, 'allow', 'input', false);
      }
      if (policy.controlTokens) {
        for (const s of userSlots) {
          if (!findControlTokens(s.text).length) continue;
          if (this.act(policy, 'control_tokens', 'input', true)) rewrite(s, s.text.replace(CONTROL_TOKENS, ''));
        }
      }
      if (policy.injection) {
        for (const s of userSlots) {
          if (injectionScore(s.text).score >= policy.injectionThreshold) this.act(policy, 'prompt_injection', 'input', false);
        }
      }
      if (policy.pii.length || policy.deny.length) {
        const done = new Map<string, string>();
        for (const s of slots) {
          let masked = done.get(s.text);
          if (masked === undefined) {
            masked = this.check(policy, s.text, 'input');
            done.set(s.text, masked);
          }
          rewrite(s, masked);
        }
      }
      if (policy.bedrock) await this.bedrock(policy, userSlots, 'INPUT');
    }
  }

  /** The output checks on a whole answer (any door's body), in place; a block throws. */
  async answer(body: unknown): Promise<void> {
    const policies = this.outputPolicies;
    if (!policies.length) return;
    const slots = answerSlots(body);
    for (const policy of policies) {
      if (policy.pii.length || policy.deny.length) for (const s of slots) rewrite(s, this.check(policy, s.text, 'output'));
      if (policy.bedrock) await this.bedrock(policy, slots, 'OUTPUT');
    }
  }

  /** an answer object's text masked in place by the output policies' finders (what a door stores) */
  maskAnswer(body: unknown): void {
    const slots = answerSlots(body);
    for (const policy of this.outputPolicies) {
      if (policy.mode === 'mask') for (const s of slots) rewrite(s, this.check(policy, s.text, 'output'));
    }
  }

  /** a text masked by the output policies' finders, as maskAnswer masks an answer's texts */
  maskOutput(text: string): string {
    for (const policy of this.outputPolicies) if (policy.mode === 'mask') text = this.check(policy, text, 'output');
    return text;
  }

  /** Bedrock Guardrails on some texts: intervened → block (or mask with its anonymized text), failed → onError */
  async bedrock(policy: CompiledPolicy, slots: TextSlot[], source: 'INPUT' | 'OUTPUT', canMask = true): Promise<void> {
    const b = policy.bedrock!;
    const direction: Direction = source === 'INPUT' ? 'input' : 'output';
    if (!slots.length) return;
    let result: Awaited<ReturnType<GuardrailService['apply']>>;
    try {
      if (!this.deps.guardrails) throw new Error('no Bedrock Guardrails client is configured');
      result = await this.deps.guardrails.apply({ guardrailId: b.guardrailId, version: b.version, region: b.region, source, texts: slots.map((s) => s.text) });
    } catch (err) {
      this.deps.logger.warn('Bedrock guardrail check failed', { requestId: this.deps.requestId, guardrail: policy.name, onError: b.onError, error: (err as Error).message });
      if (b.onError === 'open') {
        this.note(policy, 'flagged', 'bedrock_error', direction);
        return;
      }
      this.note(policy, 'blocked', 'bedrock_error', direction);
      throw new GatewayError(503, 'guardrail_unavailable', `The guardrail policy '${policy.name}' could not run (its service failed) and fails closed.`);
    }
    if (!result.intervened) return;
    const anonymized = result.anonymized;
    const maskable = canMask && anonymized !== undefined && anonymized.length === slots.length;
    if (this.act(policy, 'bedrock', direction, maskable)) slots.forEach((s, i) => rewrite(s, anonymized![i]!));
  }
}

function rewrite(s: TextSlot, value: string): void {
  if (value === s.text) return;
  s.text = value;
  s.set(value);
}
