// Provider keys from Secrets Manager: cached, refreshed after the TTL (a rotated key is picked up), never
// invented. Mocked at the SDK client.
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChainedSecretSource, EnvSecretSource, SecretsManagerSource, secretValue } from '../../../lambdas/adapters/secrets/secret-sources';

const sm = mockClient(SecretsManagerClient);

describe('SecretsManagerSource', () => {
  beforeEach(() => sm.reset());

  it('reads a secret once per TTL and picks up a rotated value after it', async () => {
    let now = 0;
    sm.on(GetSecretValueCommand, { SecretId: 'switchboard/openai' }).resolvesOnce({ SecretString: 'sk-old' }).resolves({ SecretString: 'sk-new' });
    const source = new SecretsManagerSource({ now: () => now }, 60_000, new SecretsManagerClient({}));
    expect(await source.get({ secretId: 'switchboard/openai' })).toBe('sk-old');
    now = 59_999;
    expect(await source.get({ secretId: 'switchboard/openai' })).toBe('sk-old');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 60_000;
    expect(await source.get({ secretId: 'switchboard/openai' })).toBe('sk-new');
  });

  it('shares one read among concurrent callers', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'sk-1' });
    const source = new SecretsManagerSource({ now: () => 0 }, 60_000, new SecretsManagerClient({}));
    await Promise.all(Array.from({ length: 10 }, () => source.get({ secretId: 's' })));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('treats a missing secret as not configured, and retries a failed read next time', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'missing' }).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    sm.on(GetSecretValueCommand, { SecretId: 'flaky' }).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'sk-2' });
    const source = new SecretsManagerSource({ now: () => 0 }, 60_000, new SecretsManagerClient({}));
    expect(await source.get({ secretId: 'missing' })).toBeUndefined();
    await expect(source.get({ secretId: 'flaky' })).rejects.toThrow('throttled');
    expect(await source.get({ secretId: 'flaky' })).toBe('sk-2');
  });

  it('prefers the environment when the variable is set', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'from-secrets-manager' });
    const chained = new ChainedSecretSource([
      new EnvSecretSource({ OPENAI_API_KEY: 'from-env' }),
      new SecretsManagerSource({ now: () => 0 }, 1_000, new SecretsManagerClient({})),
    ]);
    expect(await chained.get({ env: 'OPENAI_API_KEY', secretId: 's' })).toBe('from-env');
    expect(await chained.get({ env: 'UNSET', secretId: 's' })).toBe('from-secrets-manager');
  });

  it('reads a plain key or a JSON secret with an apiKey field', () => {
    expect(secretValue('sk-plain\n')).toBe('sk-plain');
    expect(secretValue('{"apiKey":"sk-json"}')).toBe('sk-json');
    expect(secretValue('{"other":1}')).toBeUndefined();
  });
});
