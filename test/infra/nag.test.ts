// The cdk-nag gate: AwsSolutions and Serverless find nothing unacknowledged, and every acknowledgement
// gives a reason. The last test proves the gate can fail.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NagRuleCompliance, ServerlessChecks, type IApplyRule } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SwitchboardApp } from '../../lib/app';
import { MULTI_REGION_CONTEXT, synthApp, SYNTH_TIMEOUT_MS } from './synth';

function findings(app: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack.validateScope(app).violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
  );
}

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
  );
}

/** What the packs find with every acknowledgement ignored: `ruleId path` pairs. */
function rawFindings(app: IConstruct): Array<{ id: string; path: string }> {
  const found: Array<{ id: string; path: string }> = [];
  const record = (pack: string, params: IApplyRule) => {
    const ruleId = `${pack}-${params.ruleSuffixOverride ?? params.rule.name}`;
    let result;
    try {
      result = params.rule(params.node);
    } catch {
      return;
    }
    if (result === NagRuleCompliance.NON_COMPLIANT) found.push({ id: ruleId, path: params.node.node.path });
    else if (Array.isArray(result)) for (const f of result) found.push({ id: `${ruleId}[${f}]`, path: params.node.node.path });
  };
  class RawAwsSolutions extends AwsSolutionsChecks {
    protected override applyRule(params: IApplyRule): void {
      record('AwsSolutions', params);
    }
  }
  class RawServerless extends ServerlessChecks {
    protected override applyRule(params: IApplyRule): void {
      record('Serverless', params);
    }
  }
  new RawAwsSolutions().validateScope(app);
  new RawServerless().validateScope(app);
  return found;
}

const variants: Array<[string, Record<string, string>]> = [
  ['single region, no context', {}],
  ['two regions with failover DNS and alarm emails', MULTI_REGION_CONTEXT],
  [
    'three regions, latency routing, WAF, authorizer cache, Slack and Teams, a budget, an encrypted topic, a named dev deployment',
    {
      ...MULTI_REGION_CONTEXT,
      regions: 'us-east-1,eu-west-1,ap-southeast-2',
      routing: 'latency',
      wafRateLimit: '1000',
      authorizerCacheTtl: '60',
      slackWorkspaceId: 'T0123456789',
      slackChannelId: 'C0123456789',
      teamsTenantId: '11111111-2222-3333-4444-555555555555',
      teamsTeamId: '66666666-7777-8888-9999-000000000000',
      teamsChannelId: '19%3Aabc%40thread.tacv2',
      monthlyBudgetUsd: '25',
      encryptAlarmTopic: 'true',
      name: 'dev',
      removalPolicy: 'destroy',
    },
  ],
  ['the retained state alone, for cdk import', { importRetainedState: 'true' }],
];

// each variant is built once and shared by the checks below
const built = new Map<string, SwitchboardApp>();
beforeAll(() => {
  for (const [name, context] of variants) built.set(name, synthApp(context));
}, SYNTH_TIMEOUT_MS);

describe('cdk-nag gate', () => {
  it.each(variants)('%s: no unacknowledged AwsSolutions or Serverless finding', (name) => {
    expect(findings(built.get(name)!.app)).toEqual([]);
  });

  it.each(variants)('%s: every acknowledgement sits on a resource or its construct, not a whole stack, and says why', (name) => {
    const acks = acknowledgements(built.get(name)!.app);
    // the import variant holds the retained tables and secrets alone
    expect(acks.length).toBeGreaterThan(name.includes('cdk import') ? 0 : 10);
    for (const ack of acks) {
      expect(ack.path.split('/').length, `${ack.id} on ${ack.path}`).toBeGreaterThan(1);
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it.each(variants)('%s: every acknowledgement silences a finding that exists (none is stale)', (name) => {
    const app = built.get(name)!.app;
    const raw = rawFindings(app);
    const stale = acknowledgements(app).filter(
      (ack) => ack.id.includes('-') && !raw.some((f) => f.id === ack.id.replace(/^annotation::/i, '') && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))),
    );
    expect(stale.map((a) => `${a.id} on ${a.path}`)).toEqual([]);
  });

  it('fails on an unacknowledged finding', () => {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new Topic(stack, 'PlainTopic');
    // a topic without enforceSSL: what the alarm topic would be without its policy
    expect(findings(app)).toEqual(['AwsSolutions-SNS3 at Probe/PlainTopic/Resource']);
  });
});
