// Cold start: fresh `node` processes that load the handler bundle and answer one event, next to bare
// `node -e 0`, run alternately so machine noise hits both alike.
import { spawn } from 'node:child_process';
import { RESULT_PREFIX, type ColdResult } from './cold-protocol';
import { median } from './stats';

export type ColdVariant =
  | {
      name: string;
      /** what the event is: `health` (no auth, no upstream call), `chat` (calls the upstream and writes the ledger) */
      route: 'health' | 'chat';
      bundle: string;
      /** extra environment, e.g. NODE_OPTIONS=--enable-source-maps */
      env?: Record<string, string>;
    }
  | {
      /** a reference point, e.g. loading only what the bundle imports from the runtime */
      name: string;
      route: 'reference';
      nodeArgs: string[];
      env?: Record<string, string>;
    };

export interface ColdVariantResult {
  name: string;
  route: string;
  runs: number;
  failed: number;
  failures: string[];
  /** wall time spawn → exit, median */
  wallMs: number;
  /** bare `node -e 0` runs interleaved with this variant's, median */
  bareWallMs: number;
  /** wallMs / the bare median (this variant's, or pooled over all variants by the caller) */
  ratio: number;
  /** medians of the in-process marks, ms since process start */
  nodeReadyMs: number;
  loadedMs: number;
  answeredMs: number;
  handlerDoneMs: number;
  wallAllMs: number[];
  bareAllMs: number[];
}

interface Run {
  wallMs: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

function timedRun(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ wallMs: performance.now() - started, stdout, stderr, code }));
  });
}

export async function measureColdStart(opts: {
  driver: string;
  variant: ColdVariant;
  runs: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): Promise<ColdVariantResult> {
  const { variant, runs } = opts;
  const env = { ...opts.env, ...variant.env };
  const walls: number[] = [];
  const bares: number[] = [];
  const marks: ColdResult[] = [];
  const failures: string[] = [];
  const args = variant.route === 'reference' ? variant.nodeArgs : [opts.driver, variant.bundle, variant.route];
  // one unmeasured run of each first: the OS file cache, not the code, dominates a very first start
  await timedRun(['-e', '0'], env, opts.cwd);
  await timedRun(args, env, opts.cwd);
  for (let i = 0; i < runs; i++) {
    bares.push((await timedRun(['-e', '0'], env, opts.cwd)).wallMs);
    const run = await timedRun(args, env, opts.cwd);
    const line = run.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    const result = line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as ColdResult) : undefined;
    const ok = run.code === 0 && (variant.route === 'reference' || result?.status === 200);
    if (!ok) {
      failures.push(`exit ${run.code}, status ${result?.status ?? '-'}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
      continue;
    }
    walls.push(run.wallMs);
    if (result) marks.push(result);
  }
  const wallMs = median(walls);
  const bareWallMs = median(bares);
  return {
    name: variant.name,
    route: variant.route,
    runs,
    failed: failures.length,
    failures: [...new Set(failures)].slice(0, 3),
    wallMs,
    bareWallMs,
    ratio: wallMs / bareWallMs,
    nodeReadyMs: median(marks.map((m) => m.driverStartMs)),
    loadedMs: median(marks.map((m) => m.loadedMs)),
    answeredMs: median(marks.map((m) => m.answeredMs)),
    handlerDoneMs: median(marks.map((m) => m.handlerDoneMs)),
    wallAllMs: walls.map(round1),
    bareAllMs: bares.map(round1),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
