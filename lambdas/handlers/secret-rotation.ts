// Secrets Manager rotation function for Switchboard's provider keys and gateway-issued keys.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { rotate, type RotationEvent } from '../adapters/secrets/rotation';
import type { RotationTargets } from '../adapters/secrets/key-kinds';
import { createLogger } from '../adapters/observability/powertools';
import { lambdaHandler } from './middleware';

const environment = z.object({
  /** secret name → what it holds and how to test it (set by the ProviderSecrets construct) */
  ROTATION_TARGETS: z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as RotationTargets;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'ROTATION_TARGETS is not JSON' });
      return z.NEVER;
    }
  }),
});

const env = environment.parse(process.env);
const logger = createLogger();
const client = new SecretsManagerClient({});

export const handler = lambdaHandler(async (event: RotationEvent): Promise<void> => {
  try {
    await rotate(event, { client, targets: env.ROTATION_TARGETS, logger });
  } catch (err) {
    // the message names the secret and what to do, never a key value
    logger.error('rotation step failed', { step: event.Step, secretId: event.SecretId, error: (err as Error).message });
    throw err;
  }
}, { logger });
