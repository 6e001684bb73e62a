// The environment a gateway function runs with, checked once at start. The CDK function construct
// sets these; the local server sets the same names.
import * as z from 'zod';
import { TABLES } from '../adapters/dynamodb/tables';

const tableVars = Object.fromEntries(
  Object.values(TABLES).map((def) => [def.envVar, z.string().min(1).default(def.localName)]),
) as Record<(typeof TABLES)[keyof typeof TABLES]['envVar'], z.ZodDefault<z.ZodString>>;

export const gatewayEnvironment = z.object({
  ...tableVars,
  /** a DynamoDB-compatible endpoint (dynalite locally); unset in AWS */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** path of the gateway config when it is not bundled into the function */
  GATEWAY_CONFIG: z.string().default('gateway.config.json'),
  AWS_REGION: z.string().default('local'),
  /** SNS topic for breaker and budget alerts (AWS only) */
  ALERT_TOPIC_ARN: z.string().optional(),
  SWITCHBOARD_VERSION: z.string().default('0.1.0'),
  /** secrets are re-read after this long, so a rotated provider key is picked up without a redeploy */
  SECRET_CACHE_TTL_MS: z.coerce.number().int().nonnegative().default(60_000),
});

export type GatewayEnvironment = z.infer<typeof gatewayEnvironment>;

/**
 * The gateway config bundled into a Lambda function at synth (esbuild `define`), so a deployed function
 * needs no file or parameter read at start. Undefined in local runs, which read GATEWAY_CONFIG instead.
 */
export const BUNDLED_CONFIG_DEFINE = 'process.env.SWITCHBOARD_CONFIG_JSON';
