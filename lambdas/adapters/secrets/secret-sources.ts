// Provider keys: from the environment (local runs) or Secrets Manager (AWS), cached for a short TTL so a
// rotated key is picked up without a redeploy. Values are never logged.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock, SecretRef, SecretSource } from '../../core/ports';

export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async get(ref: SecretRef): Promise<string | undefined> {
    const value = ref.env ? this.env[ref.env]?.trim() : undefined;
    return value || undefined;
  }
}

/**
 * Secrets Manager, loaded on first use: a gateway whose providers keep their keys elsewhere (Bedrock, env)
 * never pays for the SDK client at cold start.
 */
export class SecretsManagerSource implements SecretSource {
  private readonly cache = new Map<string, { value: Promise<string | undefined>; expiresAt: number }>();
  private sdk: Promise<typeof import('@aws-sdk/client-secrets-manager')> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private client?: SecretsManagerClient,
  ) {}

  get(ref: SecretRef): Promise<string | undefined> {
    if (!ref.secretId) return Promise.resolve(undefined);
    const now = this.clock.now();
    const hit = this.cache.get(ref.secretId);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = this.read(ref.secretId);
    this.cache.set(ref.secretId, { value, expiresAt: now + this.ttlMs });
    value.catch(() => this.cache.delete(ref.secretId!)); // a failed read is retried on the next call
    return value;
  }

  private async read(secretId: string): Promise<string | undefined> {
    const sdk = await (this.sdk ??= import('@aws-sdk/client-secrets-manager'));
    this.client ??= new sdk.SecretsManagerClient({});
    try {
      const out = await this.client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
      return out.SecretString ? secretValue(out.SecretString) : undefined;
    } catch (err) {
      if (err instanceof sdk.ResourceNotFoundException) return undefined;
      throw err;
    }
  }
}

/** A secret holds the key itself, or JSON with an `apiKey` (or `api_key`, `key`) field. */
export function secretValue(secretString: string): string | undefined {
  const text = secretString.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const value = parsed.apiKey ?? parsed.api_key ?? parsed.key;
      return typeof value === 'string' && value ? value : undefined;
    } catch {
      return text;
    }
  }
  return text || undefined;
}

/** The environment first (a local override), then Secrets Manager. */
export class ChainedSecretSource implements SecretSource {
  constructor(private readonly sources: SecretSource[]) {}

  async get(ref: SecretRef): Promise<string | undefined> {
    for (const source of this.sources) {
      const value = await source.get(ref);
      if (value !== undefined) return value;
    }
    return undefined;
  }
}

/** What the Lambda functions read keys from: the environment first, then Secrets Manager, cached for `ttlMs`. */
export function lambdaSecretSource(clock: Clock, ttlMs: number): SecretSource {
  return new ChainedSecretSource([new EnvSecretSource(), new SecretsManagerSource(clock, ttlMs)]);
}
