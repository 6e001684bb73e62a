// Secrets Manager rotation function for Switchboard's provider keys and gateway-issued keys.
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { rotate, type RotationEvent } from '../adapters/secrets/rotation';
import type { RotationTargets } from '../adapters/secrets/key-kinds';
import type { Logger as PortLogger } from '../core/ports';

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
const logger = new Logger();
const client = new SecretsManagerClient({});
const log: PortLogger = {
  debug: (message, attributes) => logger.debug(message, attributes ?? {}),
  info: (message, attributes) => logger.info(message, attributes ?? {}),
  warn: (message, attributes) => logger.warn(message, attributes ?? {}),
  error: (message, attributes) => logger.error(message, attributes ?? {}),
};

export const handler = async (event: RotationEvent): Promise<void> => {
  logger.appendKeys({ step: event.Step });
  try {
    await rotate(event, { client, targets: env.ROTATION_TARGETS, logger: log });
  } catch (err) {
    // the message names the secret and what to do, never a key value
    logger.error('rotation step failed', { secretId: event.SecretId, error: (err as Error).message });
    throw err;
  }
};
