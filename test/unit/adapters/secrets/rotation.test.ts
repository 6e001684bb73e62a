import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rotate, RotationError, STAGED, type RotationEvent } from '../../../../lambdas/adapters/secrets/rotation';
import { UNSET_KEY_VALUE, type RotationTargets } from '../../../../lambdas/adapters/secrets/key-kinds';
import type { Logger } from '../../../../lambdas/core/ports';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:switchboard/openai-AbCdEf';
const TOKEN = '11111111-2222-3333-4444-555555555555';
const OLD = 'old-version-id';
const GOOD_KEY = 'sk-good-new-key-0123456789';

/** A fake provider on loopback: accepts GOOD_KEY on GET /v1/models (OpenAI's and Anthropic's path), 401 otherwise. */
let provider: Server;
let baseUrl: string;
const seen: IncomingHttpHeaders[] = [];
let providerStatus: number | undefined;

beforeAll(async () => {
  provider = createServer((req, res) => {
    seen.push(req.headers);
    const key = req.headers.authorization?.replace(/^Bearer /, '') ?? req.headers['x-api-key'];
    const status = providerStatus ?? (req.url?.startsWith('/v1/models') && key === GOOD_KEY ? 200 : 401);
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"data":[]}');
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => provider.close(() => r())));

const logged: string[] = [];
const logger: Logger = {
  debug: (m, a) => logged.push(`${m} ${JSON.stringify(a ?? {})}`),
  info: (m, a) => logged.push(`${m} ${JSON.stringify(a ?? {})}`),
  warn: (m, a) => logged.push(`${m} ${JSON.stringify(a ?? {})}`),
  error: (m, a) => logged.push(`${m} ${JSON.stringify(a ?? {})}`),
};

function targets(): RotationTargets {
  return {
    'switchboard/openai': { kind: 'provider-key', provider: { id: 'openai', type: 'openai', baseUrl: `${baseUrl}/v1` } },
    'switchboard/anthropic': { kind: 'provider-key', provider: { id: 'claude', type: 'anthropic', baseUrl } },
    'switchboard/canary': { kind: 'gateway-key' },
  };
}

function event(step: RotationEvent['Step'], token = TOKEN): RotationEvent {
  return { Step: step, SecretId: ARN, ClientRequestToken: token };
}

function describeAs(name: string, versions: Record<string, string[]>, rotationEnabled = true) {
  sm.on(DescribeSecretCommand).resolves({ ARN, Name: name, RotationEnabled: rotationEnabled, VersionIdsToStages: versions });
}

function pendingHolds(value: string | undefined) {
  const pending = sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' });
  if (value === undefined) pending.rejects(new ResourceNotFoundException({ message: 'no such version', $metadata: {} }));
  else pending.resolves({ SecretString: value, VersionId: TOKEN });
}

const deps = () => ({ client: new SecretsManagerClient({ region: 'us-east-1' }), targets: targets(), logger, testTimeoutMs: 2_000 });

beforeEach(() => {
  sm.reset();
  seen.length = 0;
  logged.length = 0;
  providerStatus = undefined;
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: 'sk-old-key', VersionId: OLD });
});

describe('rotation: checks every step makes before acting', () => {
  it('refuses a secret whose rotation is disabled', async () => {
    describeAs('switchboard/openai', { [OLD]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] }, false);
    await expect(rotate(event('createSecret'), deps())).rejects.toThrow(/rotation is not enabled/);
  });

  it('refuses a secret it does not manage', async () => {
    describeAs('someone-elses/secret', { [OLD]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    await expect(rotate(event('createSecret'), deps())).rejects.toThrow(/not a Switchboard-managed secret/);
  });

  it('refuses a token that is not a version of the secret', async () => {
    describeAs('switchboard/openai', { [OLD]: ['AWSCURRENT'] });
    await expect(rotate(event('createSecret'), deps())).rejects.toThrow(/has no stage for rotation/);
  });

  it('refuses a version that is neither current nor pending', async () => {
    describeAs('switchboard/openai', { [OLD]: ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] });
    await expect(rotate(event('testSecret'), deps())).rejects.toThrow(/not staged as AWSPENDING/);
  });

  it('does nothing when the version is already current (a retried finishSecret)', async () => {
    describeAs('switchboard/openai', { [TOKEN]: ['AWSCURRENT'] });
    await rotate(event('finishSecret'), deps());
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
});

describe('rotation of a provider key (operator-staged)', () => {
  beforeEach(() => describeAs('switchboard/openai', { [OLD]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] }));

  it('createSecret finds the key the operator staged under SWITCHBOARD_STAGED and writes nothing', async () => {
    describeAs('switchboard/openai', { [OLD]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'], staged: [STAGED] });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: 'staged' }).resolves({ SecretString: GOOD_KEY, VersionId: 'staged' });
    await rotate(event('createSecret'), deps());
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('createSecret keeps a key staged the older way, as this rotation\'s AWSPENDING version', async () => {
    pendingHolds(GOOD_KEY);
    await rotate(event('createSecret'), deps());
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('createSecret fails with the staging command when nothing is staged, and invents no key', async () => {
    pendingHolds(undefined);
    const err = await rotate(event('createSecret'), deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RotationError);
    expect((err as Error).message).toContain('aws secretsmanager put-secret-value --secret-id switchboard/openai');
    expect((err as Error).message).toContain(`--version-stages ${STAGED}`);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('setSecret touches nothing', async () => {
    await rotate(event('setSecret'), deps());
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('testSecret passes when the provider lists its models for the staged key, sent as a Bearer token', async () => {
    pendingHolds(GOOD_KEY);
    await rotate(event('testSecret'), deps());
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBe(`Bearer ${GOOD_KEY}`);
  });

  it('testSecret fails when the provider rejects the staged key, and no log line holds a key', async () => {
    pendingHolds('sk-revoked-key-000000000');
    await expect(rotate(event('testSecret'), deps())).rejects.toThrow(/rejected the staged key \(HTTP 401\)/);
    expect(logged.join('\n')).not.toMatch(/sk-revoked|sk-old|sk-good/);
  });

  it('testSecret fails (to be retried) when the provider answers 5xx', async () => {
    pendingHolds(GOOD_KEY);
    providerStatus = 503;
    const err = await rotate(event('testSecret'), deps()).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(RotationError);
    expect((err as Error).message).toMatch(/HTTP 503/);
  });

  it('testSecret accepts a key staged as JSON with an apiKey field, as the gateway reads it', async () => {
    pendingHolds(JSON.stringify({ apiKey: GOOD_KEY }));
    await rotate(event('testSecret'), deps());
    expect(seen[0]!.authorization).toBe(`Bearer ${GOOD_KEY}`);
  });

  it('testSecret passes quietly on the empty value the stack creates the secret with: nothing is staged, nothing to test', async () => {
    pendingHolds(UNSET_KEY_VALUE);
    await rotate(event('testSecret'), deps());
    expect(seen).toHaveLength(0);
  });

  it('finishSecret refuses to promote a pending version that holds no key', async () => {
    pendingHolds(UNSET_KEY_VALUE);
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    await expect(rotate(event('finishSecret'), deps())).rejects.toThrow(/no key is staged/);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('finishSecret moves AWSCURRENT to the new version and clears AWSPENDING', async () => {
    pendingHolds(GOOD_KEY);
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    await rotate(event('finishSecret'), deps());
    const calls = sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: OLD },
      { SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
  });
});

describe('rotation of an Anthropic key', () => {
  it('testSecret sends the key as x-api-key with an anthropic-version', async () => {
    describeAs('switchboard/anthropic', { [OLD]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    pendingHolds(GOOD_KEY);
    await rotate(event('testSecret'), deps());
    expect(seen[0]!['x-api-key']).toBe(GOOD_KEY);
    expect(seen[0]!['anthropic-version']).toBeDefined();
    expect(seen[0]!.authorization).toBeUndefined();
  });
});

describe('rotation of a gateway-issued key (automatic)', () => {
  beforeEach(() => describeAs('switchboard/canary', { [OLD]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] }));

  it('createSecret generates a new key as the pending version of this token', async () => {
    pendingHolds(undefined);
    sm.on(PutSecretValueCommand).resolves({});
    await rotate(event('createSecret'), deps());
    const [put] = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(put).toMatchObject({ SecretId: ARN, ClientRequestToken: TOKEN, VersionStages: ['AWSPENDING'] });
    expect(put!.SecretString).toMatch(/^sk-sb-[A-Za-z0-9_-]{43}$/);
    expect(logged.join('\n')).not.toContain(put!.SecretString);
  });

  it('createSecret is idempotent: a retried step keeps the key it generated first', async () => {
    pendingHolds('sk-sb-' + 'a'.repeat(43));
    await rotate(event('createSecret'), deps());
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('testSecret accepts a well-formed key without calling any provider', async () => {
    pendingHolds('sk-sb-' + 'b'.repeat(43));
    await rotate(event('testSecret'), deps());
    expect(seen).toHaveLength(0);
  });

  it('testSecret rejects a pending value that is not a gateway key', async () => {
    pendingHolds('not-a-key');
    await expect(rotate(event('testSecret'), deps())).rejects.toThrow(/not a gateway key/);
  });
});
