// Builds the Switchboard app the way `cdk synth` does, with the context a test gives, once per test file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type SwitchboardApp } from '../../lib/app';

export const MULTI_REGION_CONTEXT = {
  regions: 'us-east-1,eu-west-1',
  domainName: 'ai.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  hostedZoneName: 'example.com',
  alarmEmails: 'ops@example.com',
};

/**
 * cdk.json's flag that leaves @smithy/* to the Lambda runtime, as @aws-sdk/* (they ship together): the
 * bundles measured here are the bundles deployed.
 */
const BUNDLING_FLAGS = { '@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages': true };

/** a synth with cdk-nag takes 10-30 s alone, and minutes on a machine other test runs share */
export const SYNTH_TIMEOUT_MS = 240_000;

export function synthApp(context: Record<string, string> = {}): SwitchboardApp {
  const app = new App({ context: { ...BUNDLING_FLAGS, ...context }, outdir: mkdtempSync(join(tmpdir(), 'switchboard-cdk-')) });
  return buildApp(app);
}

const assemblies = new WeakMap<object, CloudAssembly>();

/**
 * A stack's template from one synth of its app (Template.fromStack synthesizes the whole app, cdk-nag
 * included, on every call).
 */
export function template(stack: Stack): Template {
  const app = stack.node.root as App;
  let assembly = assemblies.get(app);
  if (!assembly) assemblies.set(app, (assembly = app.synth()));
  return Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>);
}

/**
 * Every IAM action a template allows: identity policies, roles' inline policies, key and resource policies.
 * Deny statements grant nothing (the payload bucket's TLS-only policy denies s3:* without TLS) and are left out.
 */
export function allPolicyActions(tpl: Template): string[] {
  const actions: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === 'object') {
      if ((node as { Effect?: unknown }).Effect === 'Deny') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'Action' || key === 'NotAction') actions.push(...(Array.isArray(value) ? value : [value]).filter((a): a is string => typeof a === 'string'));
        else visit(value);
      }
    }
  };
  visit(tpl.toJSON().Resources);
  return actions;
}
