// esbuild builds the bench needs: the gateway Lambda handler as a deploy would bundle it, the tiny driver
// that loads it in a fresh process, and (optionally) the local server as one file.
import { readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import type { GatewayConfig } from '../lambdas/core/config/schema';
import { BUNDLED_CONFIG_DEFINE } from '../lambdas/handlers/environment';
import { ESBUILD_TARGET, ESM_REQUIRE_BANNER } from '../lib/config/bundling';
import { bundledConfigLiteral } from '../lib/config/gateway-config';


/**
 * How the gateway function is bundled: a copy of the bundling settings of SwitchboardFunction
 * (lib/constructs/gateway-function), which NodejsFunction hands to esbuild — ESM, minified, Node 24 target,
 * source map without sources content, AWS SDK v3 left to the runtime. Keep the two in step (the target,
 * banner and NODE_OPTIONS both read from lib/config/bundling.ts).
 */
export const HANDLER_BUILD = {
  entryPoints: ['lambdas/handlers/gateway.ts'],
  bundle: true,
  platform: 'node',
  target: ESBUILD_TARGET,
  format: 'esm',
  minify: true,
  mainFields: ['module', 'main'],
  // cdk.json sets @aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages: the runtime's SDK brings @smithy/*
  external: ['@aws-sdk/*', '@smithy/*'],
  banner: { js: ESM_REQUIRE_BANNER },
  sourcemap: true,
  sourcesContent: false,
} satisfies BuildOptions;

export interface HandlerBundle {
  file: string;
  /** the minified .mjs (the DESIGN budget); the source map is a separate file */
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
  /** what fills the bundle: bytes in the output per package (or `lambdas` for our own code) */
  byPackage: { name: string; bytes: number }[];
  /** packages left to the runtime (its AWS SDK) that the bundle imports as it loads */
  externals: string[];
  /** …and those it imports only on first use (dynamic import) */
  lazyExternals: string[];
}

export async function buildHandlerBundle(root: string, outDir: string, config: GatewayConfig): Promise<HandlerBundle> {
  const file = join(outDir, 'index.mjs');
  const result = await build({
    ...HANDLER_BUILD,
    absWorkingDir: root,
    outfile: file,
    // the config is bundled at synth exactly as the regional service stack does it
    define: { [BUNDLED_CONFIG_DEFINE]: bundledConfigLiteral(config) },
    metafile: true,
    logLevel: 'silent',
  });
  return {
    file,
    bytes: statSync(file).size,
    gzipBytes: gzipSync(readFileSync(file), { level: 9 }).length,
    mapBytes: statSync(`${file}.map`).size,
    byPackage: bytesByPackage(result.metafile, relative(root, file)),
    externals: externalsOf(result.metafile, relative(root, file), 'import-statement'),
    lazyExternals: externalsOf(result.metafile, relative(root, file), 'dynamic-import'),
  };
}

/** The cold-start driver (bench/cold-driver.ts) as one plain ESM file, so a fresh `node` runs it without tsx. */
export async function buildColdDriver(root: string, outDir: string): Promise<string> {
  const file = join(outDir, 'cold-driver.mjs');
  await build({
    entryPoints: ['bench/cold-driver.ts'],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: file,
    logLevel: 'silent',
  });
  return file;
}

/** `npm start`'s entry as one file (the `--switchboard=bundle` mode): same code, no tsx loader. */
export async function buildLocalServer(root: string, outDir: string): Promise<string> {
  const file = join(outDir, 'local-main.mjs');
  await build({
    entryPoints: ['lambdas/local/main.ts'],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    // dynalite runs in a worker thread that requires it by path
    external: ['dynalite'],
    outfile: file,
    logLevel: 'silent',
  });
  return file;
}

function bytesByPackage(meta: Metafile, outfile: string): { name: string; bytes: number }[] {
  const output = meta.outputs[outfile];
  if (!output) return [];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function externalsOf(meta: Metafile, outfile: string, kind: 'import-statement' | 'dynamic-import'): string[] {
  const output = meta.outputs[outfile];
  const paths = (output?.imports ?? []).filter((i) => i.external && i.kind === kind && !i.path.startsWith('node:')).map((i) => i.path);
  return [...new Set(paths)].sort();
}

function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.startsWith('lambdas/') ? 'lambdas (Switchboard)' : basename(input);
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
}
