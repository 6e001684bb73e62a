// A provider-key secret's life as Secrets Manager drives the rotation function: the test run a fresh deploy
// triggers on the `{"apiKey":""}` placeholder, a staged key promoted, a staged bad key refused, and a retry
// of a failed rotation (with its old token) promoting the key staged since. The SDK client is mocked
// (aws-sdk-client-mock) by a small in-memory version store that keeps Secrets Manager's label rules; the
// provider is a fake on loopback.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UNSET_KEY_VALUE, type RotationTargets } from '../../../../lambdas/adapters/secrets/key-kinds';
import { rotate, ROTATION_STEPS, RotationError, STAGED } from '../../../../lambdas/adapters/secrets/rotation';
import type { Logger } from '../../../../lambdas/core/ports';

const NAME = 'switchboard/openai';
const ARN = `arn:aws:secretsmanager:us-east-1:111122223333:secret:${NAME}-AbCdEf`;
const GOOD = 'sk-good-0123456789abcdef';
const NEWER = 'sk-newer-0123456789abcdef';
const BAD = 'sk-revoked-0123456789abcdef';

/** Secrets Manager's versions of one secret: a label sits on at most one version. */
class VersionStore {
  readonly versions = new Map<string, { value?: string; stages: Set<string> }>();

  constructor(initial: string) {
    this.versions.set(randomUUID(), { value: initial, stages: new Set(['AWSCURRENT']) });
  }

  idWith(stage: string): string | undefined {
    return [...this.versions].find(([, v]) => v.stages.has(stage))?.[0];
  }

  valueWith(stage: string): string | undefined {
    const id = this.idWith(stage);
    return id ? this.versions.get(id)!.value : undefined;
  }

  label(id: string, stage: string): void {
    for (const v of this.versions.values()) v.stages.delete(stage);
    this.versions.get(id)!.stages.add(stage);
  }

  /** put-secret-value */
  put(value: string, stages: string[], token = randomUUID()): string {
    const existing = this.versions.get(token);
    if (existing?.value !== undefined && existing.value !== value) throw new InvalidRequestException({ message: 'You can\'t modify an existing version', $metadata: {} });
    this.versions.set(token, { value, stages: existing?.stages ?? new Set() });
    for (const s of stages) this.label(token, s);
    return token;
  }

  describe() {
    return {
      ARN,
      Name: NAME,
      RotationEnabled: true,
      VersionIdsToStages: Object.fromEntries([...this.versions].filter(([, v]) => v.stages.size).map(([id, v]) => [id, [...v.stages]])),
    };
  }

  get(input: { VersionId?: string; VersionStage?: string }) {
    const id = input.VersionId ?? this.idWith(input.VersionStage ?? 'AWSCURRENT');
    const v = id ? this.versions.get(id) : undefined;
    if (!v || v.value === undefined || (input.VersionStage && !v.stages.has(input.VersionStage))) {
      throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value", $metadata: {} });
    }
    return { ARN, Name: NAME, VersionId: id, SecretString: v.value, VersionStages: [...v.stages] };
  }

  update(input: { VersionStage?: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    const stage = input.VersionStage!;
    const holder = this.idWith(stage);
    if (input.MoveToVersionId) {
      if (holder && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
        throw new InvalidRequestException({ message: `${stage} is on another version: name it in RemoveFromVersionId`, $metadata: {} });
      }
      this.label(input.MoveToVersionId, stage);
      // Secrets Manager keeps the previous current version as AWSPREVIOUS
      if (stage === 'AWSCURRENT' && holder && holder !== input.MoveToVersionId) this.label(holder, 'AWSPREVIOUS');
    } else if (input.RemoveFromVersionId) {
      if (holder !== input.RemoveFromVersionId) throw new InvalidRequestException({ message: `${stage} is not on ${input.RemoveFromVersionId}`, $metadata: {} });
      this.versions.get(holder)!.stages.delete(stage);
    }
    return { ARN, Name: NAME };
  }
}

const sm = mockClient(SecretsManagerClient);
let store: VersionStore;
const errors: string[] = [];
const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => void errors.push(m) };
const targets = (): RotationTargets => ({ [NAME]: { kind: 'provider-key', provider: { id: 'openai', type: 'openai', baseUrl: `${baseUrl}/v1` } } });
const deps = () => ({ client: new SecretsManagerClient({ region: 'us-east-1' }), targets: targets(), logger, testTimeoutMs: 2_000 });

/** What the rotation function does with one step, as its handler does: an error is logged and thrown. */
async function step(Step: (typeof ROTATION_STEPS)[number], token: string): Promise<void> {
  try {
    await rotate({ Step, SecretId: ARN, ClientRequestToken: token }, deps());
  } catch (err) {
    logger.error(`rotation step failed: ${(err as Error).message}`);
    throw err;
  }
}

/** RotateImmediatelyOnUpdate false: Secrets Manager tests the new schedule on an AWSPENDING copy, then removes it. */
async function deployTestRun(): Promise<void> {
  const token = store.put(store.valueWith('AWSCURRENT')!, ['AWSPENDING']);
  try {
    await step('testSecret', token);
  } finally {
    store.versions.delete(token);
  }
}

/**
 * rotate-secret: a new token with an empty AWSPENDING version, then the four steps. A rotation still pending
 * (a failed one) is reattempted with its own, older token, as Secrets Manager does.
 */
async function rotateSecret(): Promise<void> {
  let token = store.idWith('AWSPENDING');
  if (!token || store.idWith('AWSCURRENT') === token) {
    token = randomUUID();
    store.versions.set(token, { stages: new Set() });
    store.label(token, 'AWSPENDING');
  }
  for (const s of ROTATION_STEPS) await step(s, token);
}

let provider: Server;
let baseUrl: string;
const keysSeen: string[] = [];

beforeAll(async () => {
  // the provider accepts GOOD and NEWER on GET /v1/models
  provider = createServer((req, res) => {
    const key = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    keysSeen.push(key);
    res.writeHead([GOOD, NEWER].includes(key) && req.url === '/v1/models' ? 200 : 401, { 'content-type': 'application/json' }).end('{"data":[]}');
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => provider.close(() => r())));

beforeEach(() => {
  sm.reset();
  store = new VersionStore(UNSET_KEY_VALUE);
  errors.length = 0;
  keysSeen.length = 0;
  sm.on(DescribeSecretCommand).callsFake(() => store.describe());
  sm.on(GetSecretValueCommand).callsFake((input) => store.get(input));
  sm.on(PutSecretValueCommand).callsFake((input) => ({ ARN, VersionId: store.put(input.SecretString, input.VersionStages ?? [], input.ClientRequestToken) }));
  sm.on(UpdateSecretVersionStageCommand).callsFake((input) => store.update(input));
});

describe('a provider key from the first deploy on', () => {
  it('passes the test run a fresh deploy triggers on the placeholder, with no error and no call to the provider', async () => {
    await deployTestRun();
    expect(errors).toEqual([]);
    expect(keysSeen).toEqual([]);
    expect(store.valueWith('AWSCURRENT')).toBe(UNSET_KEY_VALUE);
    expect(store.describe().VersionIdsToStages).toEqual({ [store.idWith('AWSCURRENT')!]: ['AWSCURRENT'] });
  });

  it('promotes a key the operator staged, once the provider accepted it, and leaves no label behind', async () => {
    await deployTestRun();
    const staged = store.put(GOOD, [STAGED]);
    await rotateSecret();
    expect(errors).toEqual([]);
    expect(keysSeen).toEqual([GOOD]);
    expect(store.idWith('AWSCURRENT')).toBe(staged);
    expect(store.valueWith('AWSCURRENT')).toBe(GOOD);
    expect(store.idWith(STAGED)).toBeUndefined();
    expect(store.idWith('AWSPENDING')).toBeUndefined();
  });

  it('refuses a staged key the provider rejects: the current key stays in use', async () => {
    store.put(GOOD, [STAGED]);
    await rotateSecret();
    store.put(BAD, [STAGED]);
    const err = await rotateSecret().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RotationError);
    expect((err as Error).message).toMatch(/rejected the staged key \(HTTP 401\)/);
    expect(store.valueWith('AWSCURRENT')).toBe(GOOD);
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toContain(BAD);
  });

  it('promotes the key staged after a refusal when Secrets Manager retries the failed rotation with its old token', async () => {
    store.put(BAD, [STAGED]);
    await expect(rotateSecret()).rejects.toThrow(/rejected the staged key/);
    const failedToken = store.idWith('AWSPENDING')!;
    // staging again moves the label to a new version; the retry still runs with the failed rotation's token
    const staged = store.put(NEWER, [STAGED]);
    await rotateSecret();
    expect(store.idWith('AWSCURRENT')).toBe(staged);
    expect(store.valueWith('AWSCURRENT')).toBe(NEWER);
    expect(store.versions.get(failedToken)!.stages.size).toBe(0);
    expect(keysSeen).toEqual([BAD, NEWER]);
  });

  it('reminds the operator when the schedule comes due and nothing is staged', async () => {
    await expect(rotateSecret()).rejects.toThrow(new RegExp(`--version-stages ${STAGED}`));
    expect(store.valueWith('AWSCURRENT')).toBe(UNSET_KEY_VALUE);
  });
});
