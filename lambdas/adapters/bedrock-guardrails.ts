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

/** every action the guardrail took anonymized a sensitive entity or regex match: nothing was blocked */
export function onlyAnonymized(assessments: GuardrailAssessment[]): boolean {
  let anonymized = false;
  for (const a of assessments) {
    if (a.topicPolicy?.topics?.some((t) => t.detected !== false && t.action === 'BLOCKED')) return false;
    if (a.contentPolicy?.filters?.some((f) => f.detected !== false && f.action === 'BLOCKED')) return false;
    if (a.wordPolicy?.customWords?.some((w) => w.detected !== false && w.action === 'BLOCKED')) return false;
    if (a.wordPolicy?.managedWordLists?.some((w) => w.detected !== false && w.action === 'BLOCKED')) return false;
    if (a.contextualGroundingPolicy?.filters?.some((f) => f.detected !== false && f.action === 'BLOCKED')) return false;
    const sensitive = [...(a.sensitiveInformationPolicy?.piiEntities ?? []), ...(a.sensitiveInformationPolicy?.regexes ?? [])];
    if (sensitive.some((s) => s.detected !== false && s.action === 'BLOCKED')) return false;
    if (sensitive.some((s) => s.action === 'ANONYMIZED')) anonymized = true;
  }
  return anonymized;
}
