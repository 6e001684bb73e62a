// The environment a gateway function runs with, checked once at start. The CDK function construct
// sets these; the local server sets the same names.
import * as z from 'zod/mini';
import { TABLES } from '../adapters/dynamodb/tables';

const tableVars = Object.fromEntries(
  Object.values(TABLES).map((def) => [def.envVar, z._default(z.string().check(z.minLength(1)), def.localName)]),
) as Record<(typeof TABLES)[keyof typeof TABLES]['envVar'], z.ZodMiniDefault<z.ZodMiniString>>;

export const gatewayEnvironment = z.object({
  ...tableVars,
  /** a DynamoDB-compatible endpoint (dynalite locally); unset in AWS */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  AWS_REGION: z._default(z.string(), 'local'),
  /** SNS topic for breaker and budget alerts (AWS only) */
  ALERT_TOPIC_ARN: z.optional(z.string()),
  SWITCHBOARD_VERSION: z._default(z.string(), '0.1.0'),
  /** secrets are re-read after this long, so a rotated provider key is picked up without a redeploy */
  SECRET_CACHE_TTL_MS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 60_000),
});

export type GatewayEnvironment = z.infer<typeof gatewayEnvironment>;

/**
 * The gateway config bundled into a Lambda function at synth (esbuild `define`), so a deployed function
 * needs no file or parameter read at start (see bundled-config.ts). Local runs read GATEWAY_CONFIG.
 */
export const BUNDLED_CONFIG_DEFINE = 'process.env.SWITCHBOARD_CONFIG_JSON';
