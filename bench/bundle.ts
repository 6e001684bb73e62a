// esbuild builds the bench needs: the gateway Lambda handler as a deploy would bundle it, the tiny driver
// that loads it in a fresh process, and (optionally) the local server as one file.
import { statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { BUNDLED_CONFIG_DEFINE } from '../lambdas/handlers/environment';

/**
 * ESM output needs a real `require` for bundled CommonJS code that requires Node built-ins; CDK's
 * NodejsFunction users add the same banner.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);";

/**
 * How the handler is bundled. There is no CDK function construct on main yet, so these are the settings the
 * brief names for NodejsFunction on the Node 22 runtime: ESM, minified, AWS SDK v3 left to the runtime.
 * Keep them in step with the construct (lib/constructs/gateway-function) once it lands.
 */
export const HANDLER_BUILD: BuildOptions = {
  entryPoints: ['lambdas/handlers/gateway.ts'],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  banner: { js: ESM_REQUIRE_BANNER },
  legalComments: 'none',
};

export interface HandlerBundle {
  file: string;
  bytes: number;
  gzipBytes: number;
  mapFile?: string;
  /** what fills the bundle: bytes in the output per package (or `lambdas` for our own code) */
  byPackage: { name: string; bytes: number }[];
  /** packages the bundle imports at run time (the runtime's AWS SDK) */
  externals: string[];
}

export async function buildHandlerBundle(root: string, outDir: string, configJson: string, sourceMap: boolean): Promise<HandlerBundle> {
  const file = join(outDir, 'index.mjs');
  const result = await build({
    ...HANDLER_BUILD,
    absWorkingDir: root,
    outfile: file,
    sourcemap: sourceMap,
    sourcesContent: false,
    // the config is bundled at synth, so a deployed function reads no file at start
    define: { [BUNDLED_CONFIG_DEFINE]: JSON.stringify(configJson) },
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = statSync(file).size;
  return {
    file,
    bytes,
    gzipBytes: gzipSync(readFileSync(file), { level: 9 }).length,
    mapFile: sourceMap ? `${file}.map` : undefined,
    byPackage: bytesByPackage(result.metafile, relative(root, file)),
    externals: externalsOf(result.metafile, relative(root, file)),
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

function externalsOf(meta: Metafile, outfile: string): string[] {
  const output = meta.outputs[outfile];
  return [...new Set((output?.imports ?? []).filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path))].sort();
}

function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.startsWith('lambdas/') ? 'lambdas (Switchboard)' : basename(input);
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
}
