// Amazon Bedrock Guardrails as a guardrail check (a policy's "bedrock"): ApplyGuardrail on the request's user
// content (source INPUT) or the answer (OUTPUT), with the role's credentials. The SDK and its client load on
// first use (lambdas/providers/bedrock/endpoint.ts), so a gateway with no such policy never pays for them.
// An intervention whose only actions anonymized sensitive information comes back as the anonymized texts
// (a mask policy sends those instead); any other intervention (a denied topic, a content filter, a blocked
// entity) is a refusal.
import type { GuardrailAssessment } from '@aws-sdk/client-bedrock-runtime';
import type { GuardrailService } from '../core/guardrails/guard';
import { bedrockRuntime } from '../providers/bedrock/endpoint';

export class BedrockGuardrails implements GuardrailService {
  constructor(private readonly defaultRegion: string) {}

  async apply(req: Parameters<GuardrailService['apply']>[0]): ReturnType<GuardrailService['apply']> {
    const { sdk, client } = await bedrockRuntime({ id: 'guardrails', type: 'bedrock', region: req.region ?? this.defaultRegion } as never);
    const out = await client.send(
      new sdk.ApplyGuardrailCommand({
        guardrailIdentifier: req.guardrailId,
        guardrailVersion: req.version,
        source: req.source,
        content: req.texts.map((text) => ({ text: { text } })),
        outputScope: 'INTERVENTIONS',
      }),
    );
    if (out.action !== 'GUARDRAIL_INTERVENED') return { intervened: false };
    const texts = (out.outputs ?? []).map((o) => o.text ?? '');
    return onlyAnonymized(out.assessments ?? []) ? { intervened: true, anonymized: texts } : { intervened: true };
  }
}

/**
 * Every action the guardrail took anonymized (a sensitive entity or regex match): none blocked, in any of its
 * policies (topics, content filters, words, sensitive information, grounding), each finding an `action`.
 */
export function onlyAnonymized(assessments: GuardrailAssessment[]): boolean {
  const actions: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const finding = node as { action?: unknown; detected?: unknown };
      if (typeof finding.action === 'string' && finding.detected !== false) actions.push(finding.action);
      Object.values(node).forEach(walk);
    }
  };
  walk(assessments);
  return actions.includes('ANONYMIZED') && actions.every((a) => a === 'ANONYMIZED' || a === 'NONE');
}
