// The stack's side of guardrail policies: bedrock:ApplyGuardrail on exactly the guardrails the config's
// policies name (an id in its region, or the ARN given), and no such grant for a config without any; a
// provider URL at instance metadata or on a private network fails the synth.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

const dir = mkdtempSync(join(tmpdir(), 'sb-guardrails-'));
function configFile(name: string, config: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ providers: [{ id: 'claude', type: 'anthropic', apiKeySecret: 'team/anthropic' }], models: [{ name: 'smart', targets: [{ provider: 'claude', model: 'claude-sonnet-4' }] }], ...config }));
  return path;
}

function guardrailStatements(gatewayConfig: string): Array<{ Action: unknown; Resource: unknown }> {
  const sb = synthApp({ gatewayConfig });
  const tpl = template(sb.services[0]!);
  return Object.values(tpl.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>)
    .filter((s) => JSON.stringify(s.Action).includes('bedrock:ApplyGuardrail'));
}

describe('Bedrock Guardrails grant', () => {
  it('bedrock:ApplyGuardrail on exactly the configured guardrails', () => {
    const statements = guardrailStatements(
      configFile('with.json', {
        guardrails: {
          a: { mode: 'block', bedrock: { guardrailId: 'abc123xyz', version: '1' } },
          b: { mode: 'mask', bedrock: { guardrailId: 'def456', version: 'DRAFT', region: 'eu-west-1' } },
          c: { mode: 'block', bedrock: { guardrailId: 'arn:aws:bedrock:us-west-2:123456789012:guardrail/ghi789', version: '2' } },
          local: { mode: 'mask', checks: ['email'] },
        },
        tenants: [{ id: 'acme', guardrails: ['a', 'b', 'c', 'local'] }],
      }),
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Action).toBe('bedrock:ApplyGuardrail');
    const resources = JSON.stringify(statements[0]!.Resource);
    // the stack's own region and account (tokens in a region-agnostic synth)
    expect(resources).toMatch(/:bedrock:(?:us-east-1|",\{"Ref":"AWS::Region"\},"):[^\]]*:guardrail\/abc123xyz/);
    expect(resources).toContain(':bedrock:eu-west-1:');
    expect(resources).toContain(':guardrail/def456');
    expect(resources).toContain('arn:aws:bedrock:us-west-2:123456789012:guardrail/ghi789');
    expect(resources).not.toContain('*');
    expect((statements[0]!.Resource as unknown[]).length).toBe(3);
  }, SYNTH_TIMEOUT_MS);

  it('none without a Bedrock guardrail policy', () => {
    expect(guardrailStatements(configFile('without.json', { guardrails: { p: { mode: 'mask', checks: ['email'] } } }))).toEqual([]);
  }, SYNTH_TIMEOUT_MS);

  it('a provider URL at instance metadata fails the synth even when marked private; a private address needs private', () => {
    const meta = configFile('meta.json', { providers: [{ id: 'x', type: 'openai', baseUrl: 'http://[::ffff:a9fe:a9fe]/v1', private: true, apiKeySecret: 'x' }], models: [] });
    expect(() => synthApp({ gatewayConfig: meta })).toThrow(/metadata/);
    const compat = configFile('compat.json', { providers: [{ id: 'x', type: 'openai', baseUrl: 'http://[64:ff9b::a00:1]/v1', apiKeySecret: 'x' }], models: [] });
    expect(() => synthApp({ gatewayConfig: compat })).toThrow(/private/);
  }, SYNTH_TIMEOUT_MS);
});
