// The environment a gateway function runs with, checked once at start. The CDK function construct
// sets these; the local server sets the same names.
import * as z from 'zod/mini';
import type { RegionScope } from '../adapters/dynamodb/regions';
import { TABLES } from '../adapters/dynamodb/tables';
import { BUCKETS } from '../adapters/s3/buckets';

const tableVars = Object.fromEntries(
  Object.values(TABLES).map((def) => [def.envVar, z._default(z.string().check(z.minLength(1)), def.localName)]),
) as Record<(typeof TABLES)[keyof typeof TABLES]['envVar'], z.ZodMiniDefault<z.ZodMiniString>>;

const bucketVars = Object.fromEntries(
  Object.values(BUCKETS).map((def) => [def.envVar, z._default(z.string().check(z.minLength(1)), def.localName)]),
) as Record<(typeof BUCKETS)[keyof typeof BUCKETS]['envVar'], z.ZodMiniDefault<z.ZodMiniString>>;

export const gatewayEnvironment = z
  .object({
    ...tableVars,
    ...bucketVars,
    /** an S3-compatible endpoint (the embedded server locally); unset in AWS */
    S3_ENDPOINT: z.optional(z.url()),
    /** a DynamoDB-compatible endpoint (dynalite locally); unset in AWS */
    DYNAMODB_ENDPOINT: z.optional(z.url()),
    /** this region: the one whose items this function writes */
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'local'),
    /**
     * the deployment's regions, the primary first (the service stack sets it when there are several); unset:
     * AWS_REGION alone
     */
    REGIONS: z.optional(z.string().check(z.regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, 'a comma list of regions such as us-east-1,eu-west-1'))),
    /** SNS topic for breaker and budget alerts (AWS only) */
    ALERT_TOPIC_ARN: z.optional(z.string()),
    SWITCHBOARD_VERSION: z._default(z.string(), '0.1.0'),
    /** secrets are re-read after this long, so a rotated provider key is picked up without a redeploy */
    SECRET_CACHE_TTL_MS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), 60_000),
  })
  .check(
    z.refine((env) => !env.REGIONS || env.REGIONS.split(',').includes(env.AWS_REGION), { message: 'REGIONS must include AWS_REGION', path: ['REGIONS'] }),
    z.refine((env) => !env.REGIONS || new Set(env.REGIONS.split(',')).size === env.REGIONS.split(',').length, { message: 'REGIONS lists a region twice', path: ['REGIONS'] }),
  );

export type GatewayEnvironment = z.infer<typeof gatewayEnvironment>;

/** which region this function writes for, among the deployment's */
export function regionScopeOf(env: Pick<GatewayEnvironment, 'AWS_REGION' | 'REGIONS'>): RegionScope {
  return { own: env.AWS_REGION, all: env.REGIONS ? env.REGIONS.split(',') : [env.AWS_REGION] };
}

/**
 * The gateway config bundled into a Lambda function at synth (esbuild `define`), so a deployed function
 * needs no file or parameter read at start (see bundled-config.ts). Local runs read GATEWAY_CONFIG.
 */
export const BUNDLED_CONFIG_DEFINE = 'process.env.SWITCHBOARD_CONFIG_JSON';
