// The Secrets Manager rotation protocol (createSecret → setSecret → testSecret → finishSecret) for
// Switchboard's secrets. Provider keys are never invented: the operator stages the new key under the label
// SWITCHBOARD_STAGED, and rotation promotes that version only after the provider accepted it. The staged
// version is found by its label, whatever token the rotation runs with, so a rotation Secrets Manager
// retries with an older token still promotes the key staged last. Gateway-issued keys are generated here.
// A run with nothing staged and nothing new to test (the testSecret Secrets Manager runs once when the
// stack creates the schedule, on a copy of the `{"apiKey":""}` placeholder) passes quietly.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { providerConfig } from '../../core/config/schema';
import { GATEWAY_KEY_PATTERN, generateGatewayKey } from '../../core/tenants/api-keys';
import type { HttpClient, Logger } from '../../core/ports';
import { createProvider } from '../../providers';
import { ProviderError } from '../../providers/types';
import { NodeHttpClient } from '../http/node-http-client';
import { secretValue } from './secret-sources';
import type { ProviderKeyCheck, RotationTarget, RotationTargets } from './key-kinds';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The event Secrets Manager sends the rotation function. */
export interface RotationEvent {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
  RotationToken?: string;
}

export interface RotationDeps {
  client: SecretsManagerClient;
  targets: RotationTargets;
  logger: Logger;
  /** how testSecret reaches the provider @default a keep-alive node:http client */
  http?: HttpClient;
  /** how long testSecret waits for the provider */
  testTimeoutMs?: number;
}

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
/** the label an operator puts a new provider key under (docs/deploy.md, "Rotating a provider key") */
export const STAGED = 'SWITCHBOARD_STAGED';

/** A failure that needs the operator; the message says what to do, never what the key is. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

export async function rotate(event: RotationEvent, deps: RotationDeps): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  if (!ROTATION_STEPS.includes(step)) throw new RotationError(`unknown rotation step "${String(step)}"`);

  const meta = await deps.client.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (!meta.RotationEnabled) throw new RotationError(`rotation is not enabled for ${meta.Name ?? secretId}`);
  const target = meta.Name ? deps.targets[meta.Name] : undefined;
  if (!target) throw new RotationError(`${meta.Name ?? secretId} is not a Switchboard-managed secret this function rotates`);

  const versions = meta.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (!stages) throw new RotationError(`version ${token} of ${meta.Name} has no stage for rotation`);
  if (stages.includes(CURRENT)) {
    deps.logger.info('version is already current; nothing to do', { secret: meta.Name, step, token });
    return;
  }
  if (!stages.includes(PENDING)) throw new RotationError(`version ${token} of ${meta.Name} is not staged as ${PENDING}`);

  const ctx: StepContext = { secretId, name: meta.Name ?? secretId, token, target, versions, deps };
  deps.logger.info('rotation step', { secret: ctx.name, step, token, kind: target.kind });
  switch (step) {
    case 'createSecret':
      return createSecret(ctx);
    case 'setSecret':
      // provider keys live at the provider and gateway keys are read from this secret by their users:
      // there is no second system to update
      return;
    case 'testSecret':
      return testSecret(ctx);
    case 'finishSecret':
      return finishSecret(ctx);
  }
}

interface StepContext {
  secretId: string;
  name: string;
  token: string;
  target: RotationTarget;
  versions: Record<string, string[]>;
  deps: RotationDeps;
}

async function pendingValue(ctx: StepContext): Promise<string | undefined> {
  try {
    const out = await ctx.deps.client.send(new GetSecretValueCommand({ SecretId: ctx.secretId, VersionId: ctx.token, VersionStage: PENDING }));
    return out.SecretString;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

async function createSecret(ctx: StepContext): Promise<void> {
  // AWSCURRENT must exist (a secret created by the stack always has one); this also fails early on access problems
  await ctx.deps.client.send(new GetSecretValueCommand({ SecretId: ctx.secretId, VersionStage: CURRENT }));
  if (ctx.target.kind === 'provider-key') {
    const candidate = await stagedKey(ctx);
    if (!candidate) {
      throw new RotationError(
        `no new key is staged for ${ctx.name}. A provider key cannot be generated: put the new key with ` +
          `"aws secretsmanager put-secret-value --secret-id ${ctx.name} --secret-string <new key> --version-stages ${STAGED}", ` +
          'then rotate again (docs/deploy.md, "Rotating a provider key").',
      );
    }
    ctx.deps.logger.info('a staged key is waiting to be tested', { secret: ctx.name, version: candidate.versionId });
    return;
  }
  const staged = await pendingValue(ctx);
  if (staged !== undefined) {
    ctx.deps.logger.info('pending version already holds a value', { secret: ctx.name, token: ctx.token });
    return;
  }
  await ctx.deps.client.send(
    new PutSecretValueCommand({
      SecretId: ctx.secretId,
      ClientRequestToken: ctx.token,
      SecretString: generateGatewayKey(),
      VersionStages: [PENDING],
    }),
  );
  ctx.deps.logger.info('generated a new gateway key', { secret: ctx.name, token: ctx.token });
}

/** the version labelled SWITCHBOARD_STAGED, if any */
function stagedVersionId(ctx: StepContext): string | undefined {
  return Object.entries(ctx.versions).find(([, stages]) => stages.includes(STAGED))?.[0];
}

async function valueOf(ctx: StepContext, versionId: string): Promise<string | undefined> {
  try {
    const out = await ctx.deps.client.send(new GetSecretValueCommand({ SecretId: ctx.secretId, VersionId: versionId }));
    return out.SecretString === undefined ? undefined : secretValue(out.SecretString);
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/**
 * The provider key to test and promote: the version staged under SWITCHBOARD_STAGED, else (a key staged the
 * older way, as AWSPENDING, whose own rotation Secrets Manager retried) this rotation's pending version when
 * it holds a key. `empty`: a version is staged but holds no key.
 */
async function stagedKey(ctx: StepContext): Promise<{ versionId: string; key: string; staged: boolean } | { versionId: string; empty: true } | undefined> {
  const stagedId = stagedVersionId(ctx);
  if (stagedId) {
    const key = await valueOf(ctx, stagedId);
    return key === undefined ? { versionId: stagedId, empty: true } : { versionId: stagedId, key, staged: true };
  }
  const pending = await pendingValue(ctx);
  const key = pending === undefined ? undefined : secretValue(pending);
  return key === undefined ? undefined : { versionId: ctx.token, key, staged: false };
}

async function currentKey(ctx: StepContext): Promise<string | undefined> {
  const out = await ctx.deps.client.send(new GetSecretValueCommand({ SecretId: ctx.secretId, VersionStage: CURRENT }));
  return out.SecretString === undefined ? undefined : secretValue(out.SecretString);
}

async function testSecret(ctx: StepContext): Promise<void> {
  if (ctx.target.kind === 'gateway-key') {
    const stored = await pendingValue(ctx);
    // the same reading as the gateway's: the key itself, or JSON with an apiKey field
    const value = stored === undefined ? undefined : secretValue(stored);
    if (value === undefined) throw new RotationError(`the pending version of ${ctx.name} holds no key`);
    if (!GATEWAY_KEY_PATTERN.test(value)) throw new RotationError(`the pending version of ${ctx.name} is not a gateway key`);
    return;
  }
  const candidate = await stagedKey(ctx);
  if (candidate && 'empty' in candidate) throw new RotationError(`the version staged as ${STAGED} for ${ctx.name} holds no key`);
  if (!candidate) {
    // Secrets Manager's own test of a new schedule (a copy of the current value, the placeholder on a fresh
    // deploy): nothing new to test, and nothing will be promoted
    ctx.deps.logger.info('nothing staged to test; the secret keeps its current key', { secret: ctx.name, token: ctx.token });
    return;
  }
  if (candidate.key === (await currentKey(ctx))) {
    ctx.deps.logger.info('the staged key is the current key; nothing new to test', { secret: ctx.name });
    return;
  }
  await checkProviderKey(ctx.target, candidate.key, ctx);
}

async function checkProviderKey(target: ProviderKeyCheck, key: string, ctx: StepContext): Promise<void> {
  const { provider: endpoint } = target;
  // the gateway's own adapter, given only the staged key: rotation tests exactly what requests will send
  const provider = createProvider(
    providerConfig.parse({ ...endpoint, apiKeySecret: ctx.name }),
    { http: ctx.deps.http ?? new NodeHttpClient(), secrets: { get: async () => key }, clock: { now: () => Date.now() }, logger: ctx.deps.logger },
  );
  try {
    await provider.probe({ signal: AbortSignal.timeout(ctx.deps.testTimeoutMs ?? 10_000), requestId: `rotation-${ctx.token}` });
  } catch (err) {
    if (err instanceof ProviderError && (err.status === 401 || err.status === 403)) {
      throw new RotationError(`provider "${endpoint.id}" rejected the staged key (HTTP ${err.status}); the current key stays in use`);
    }
    // an outage or a network failure says nothing about the key: fail this attempt, Secrets Manager retries the step
    const why = err instanceof ProviderError ? `answered HTTP ${err.status} (${err.code})` : `could not be reached: ${(err as Error).message}`;
    throw new Error(`provider "${endpoint.id}" ${why} while testing the staged key`);
  }
  ctx.deps.logger.info('provider accepted the staged key', { secret: ctx.name, provider: endpoint.id });
}

async function finishSecret(ctx: StepContext): Promise<void> {
  const current = Object.entries(ctx.versions).find(([, stages]) => stages.includes(CURRENT))?.[0];
  let promote = ctx.token;
  let staged = false;
  if (ctx.target.kind === 'provider-key') {
    const candidate = await stagedKey(ctx);
    if (!candidate || 'empty' in candidate) throw new RotationError(`no key is staged for ${ctx.name}: nothing promoted, the current key stays in use`);
    promote = candidate.versionId;
    staged = candidate.staged;
  }
  if (promote !== current) {
    await ctx.deps.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: ctx.secretId,
        VersionStage: CURRENT,
        MoveToVersionId: promote,
        ...(current ? { RemoveFromVersionId: current } : {}),
      }),
    );
  }
  // no label is left behind: the next staged key is the only staged one, and no rotation looks unfinished
  await ctx.deps.client.send(new UpdateSecretVersionStageCommand({ SecretId: ctx.secretId, VersionStage: PENDING, RemoveFromVersionId: ctx.token }));
  if (staged) await ctx.deps.client.send(new UpdateSecretVersionStageCommand({ SecretId: ctx.secretId, VersionStage: STAGED, RemoveFromVersionId: promote }));
  ctx.deps.logger.info('promoted a new version to AWSCURRENT', { secret: ctx.name, version: promote, previous: current });
}
