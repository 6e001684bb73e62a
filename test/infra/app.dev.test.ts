// A dev deployment (removalPolicy destroy, per-tenant metrics on) and the retained-state synth that
// `cdk import` takes after a teardown.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SwitchboardApp } from '../../lib/app';
import { synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

let dev: SwitchboardApp;
let devState: Template;
let devService: Template;
let retained: SwitchboardApp;

beforeAll(() => {
  delete process.env.CDK_DEFAULT_REGION;
  dev = synthApp({ name: 'dev', removalPolicy: 'destroy', tenantMetrics: 'true' });
  devState = template(dev.state);
  devService = template(dev.services[0]!);
  retained = synthApp({ name: 'prod', importRetainedState: 'true' });
}, SYNTH_TIMEOUT_MS);

describe('removalPolicy destroy', () => {
  it('deletes tables (no deletion protection) and secrets with the stack, and drops termination protection', () => {
    for (const table of Object.values(devState.findResources('AWS::DynamoDB::GlobalTable'))) {
      expect(table.DeletionPolicy).toBe('Delete');
      for (const replica of table.Properties.Replicas as Array<{ DeletionProtectionEnabled?: boolean }>) expect(replica.DeletionProtectionEnabled).toBe(false);
    }
    devState.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    expect(dev.state.terminationProtection).toBe(false);
  });
});

describe('per-tenant metrics', () => {
  it('are published only when the deployment opts in (TENANT_METRICS on the gateway)', () => {
    devService.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'switchboard-gateway', TENANT_METRICS: 'true', POWERTOOLS_METRICS_NAMESPACE: 'Switchboard/dev' }) },
    });
  });
});

describe('the retained state alone, for cdk import', () => {
  it('holds the retained tables and secrets and nothing else, no service stack', () => {
    const tpl = template(retained.state);
    expect(retained.services).toEqual([]);
    const types = new Set(Object.values(tpl.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type));
    expect([...types].sort()).toEqual(['AWS::DynamoDB::GlobalTable', 'AWS::SecretsManager::Secret']);
    tpl.allResources('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    tpl.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'prod-cost-ledger' });
    tpl.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'prod/openai' });
  });
});
