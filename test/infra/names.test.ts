// Two deployments (staging beside prod) in one account and regions: every stack and physical name differs,
// so neither can collide with or overwrite the other.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SwitchboardApp } from '../../lib/app';
import { MULTI_REGION_CONTEXT, synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

/** properties that name something in an account (region-wide or global), by key or by resource type and key */
const NAME_KEYS = new Set([
  'TableName', 'AlarmName', 'LogGroupName', 'FunctionName', 'DashboardName', 'UsagePlanName', 'TopicName', 'RuleName',
  'ConfigurationName', 'BudgetName', 'SetIdentifier', 'RoleName', 'ManagedPolicyName', 'BucketName', 'QueueName',
]);
const NAME_BY_TYPE: Record<string, string[]> = {
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::ApiGateway::RestApi': ['Name'],
  'AWS::ApiGateway::ApiKey': ['Name', 'Value'],
  'AWS::WAFv2::WebACL': ['Name'],
  'AWS::Events::Rule': ['Name'],
  'AWS::ApiGateway::DomainName': ['DomainName'],
};

function physicalNames(sb: SwitchboardApp): string[] {
  const names = [sb.state, ...sb.services].map((s) => s.stackName);
  const visit = (node: unknown, typeKeys: string[]): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, typeKeys));
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && (NAME_KEYS.has(key) || typeKeys.includes(key))) names.push(value);
      else visit(value, []);
    }
  };
  for (const stack of [sb.state, ...sb.services]) {
    for (const resource of Object.values(template(stack).toJSON().Resources as Record<string, { Type: string; Properties?: unknown }>)) {
      visit(resource.Properties, NAME_BY_TYPE[resource.Type] ?? []);
    }
  }
  return names;
}

const options = { ...MULTI_REGION_CONTEXT, wafRateLimit: '1000', monthlyBudgetUsd: '40', slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' };
let prod: SwitchboardApp;
let staging: SwitchboardApp;

beforeAll(() => {
  // each deployment has its own domain: the one name the operator gives, not the deployment
  prod = synthApp({ ...options, name: 'prod', gatewayConfig: 'test/fixtures/deploy/tenants.config.json' });
  staging = synthApp({ ...options, name: 'staging', domainName: 'staging.ai.example.com', gatewayConfig: 'test/fixtures/deploy/tenants.config.json' });
}, SYNTH_TIMEOUT_MS);

describe('two deployment names', () => {
  it('synthesize with no stack or physical name in common', () => {
    const a = physicalNames(prod);
    const b = new Set(physicalNames(staging));
    // tables, secrets, alarms, log groups, functions, dashboards, plans, keys, rules, sampling rules, WAF, budget, Chatbot, records
    expect(a.length).toBeGreaterThan(40);
    expect(a.filter((n) => b.has(n))).toEqual([]);
  });

  it('prefix the names with the deployment', () => {
    const names = physicalNames(staging);
    expect(names).toEqual(expect.arrayContaining(['staging-state-us-east-1', 'staging-service-eu-west-1', 'staging-cost-ledger', 'staging/openai', 'staging-RegionUnhealthy', '/staging/gateway', 'staging-monthly']));
    expect(staging.names.metricNamespace).toBe('Switchboard/staging');
  });
});
