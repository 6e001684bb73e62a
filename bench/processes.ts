// The processes the bench starts (upstream, Switchboard, Portkey): each logs to a file, is polled until it
// answers, and is stopped on every way out — normal end, error, Ctrl-C — so none outlives the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CapacityTally } from '../lambdas/adapters/dynamodb/consumed-capacity';

/**
 * Preloaded into every child: exit when the bench's end of our stdin pipe closes. That covers the one way
 * out the bench cannot clean up after itself — being killed with SIGKILL.
 */
const EXIT_WITH_PARENT = "data:text/javascript,process.stdin.on('end',()=>process.exit(1)).resume()";

/**
 * Also preloaded: answer the bench's `stats` message on the IPC channel with this process's CPU time (every
 * thread of it) and, from a Switchboard started with SWITCHBOARD_MEASURE_CAPACITY=1, the DynamoDB capacity
 * it consumed (lambdas/adapters/dynamodb/consumed-capacity.ts). The channel keeps no process alive.
 */
const REPORT_STATS = `data:text/javascript,${encodeURIComponent(
  "process.on('message',(m)=>{if(m==='stats')process.send({cpu:process.cpuUsage(),capacity:globalThis[Symbol.for('switchboard.dynamodb.consumedCapacity')]??null})});process.channel?.unref()",
)}`;

export interface ProcessStats {
  /** CPU time of the whole process since it started, µs */
  cpu: { user: number; system: number };
  /** running totals of consumed DynamoDB capacity, when the process measures it */
  capacity: CapacityTally | null;
}

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** set once it exited */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** the last lines it logged */
  tail(lines?: number): string;
  /** its CPU time so far (and DynamoDB capacity, if it measures it), asked over the IPC channel */
  stats(): Promise<ProcessStats>;
}

export interface SpawnSpec {
  name: string;
  /** node flags (before the script) */
  nodeArgs?: string[];
  script: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
}

const children = new Set<Child>();
const exitTasks: (() => void)[] = [];
let hooked = false;
let interrupted = false;

/** whether Ctrl-C (or SIGTERM) is stopping the bench: what fails from here on is not a finding */
export function isInterrupted(): boolean {
  return interrupted;
}

/** Synchronous clean-up (a temp dir) for when the bench exits any way it can still run code. */
export function onExit(task: () => void): void {
  hookExit();
  exitTasks.push(task);
}

export function spawnNode(spec: SpawnSpec): Child {
  hookExit();
  const fd = openSync(spec.logFile, 'a');
  const proc = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, '--import', REPORT_STATS, ...(spec.nodeArgs ?? []), spec.script, ...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['pipe', fd, fd, 'ipc'],
  });
  closeSync(fd);
  // the bench's end of the channel must not keep the bench alive either
  proc.channel?.unref();
  const child: Child = {
    name: spec.name,
    process: proc,
    logFile: spec.logFile,
    tail: (lines = 20) => tailOf(spec.logFile, lines),
    stats: () => askStats(proc, spec.name),
  };
  children.add(child);
  proc.once('exit', (code, signal) => {
    child.exit = { code, signal };
    children.delete(child);
  });
  return child;
}

function askStats(proc: ChildProcess, name: string, timeoutMs = 5_000): Promise<ProcessStats> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!m || typeof m !== 'object' || !('cpu' in m)) return;
      clearTimeout(timer);
      proc.off('message', onMessage);
      resolve(m as ProcessStats);
    };
    const timer = setTimeout(() => {
      proc.off('message', onMessage);
      reject(new Error(`${name} did not report its CPU time within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.on('message', onMessage);
    proc.send('stats');
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (child.exit) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const killed = sleep(graceMs).then(() => {
    if (!child.exit) child.process.kill('SIGKILL');
  });
  await Promise.race([exited, killed]);
  await exited;
}

/** SIGINT instead of SIGTERM: the gateways stop cleanly on both, and V8 writes --cpu-prof files on a clean exit. */
export async function interruptChild(child: Child, graceMs = 10_000): Promise<void> {
  if (child.exit) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGINT');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // last resort: whatever is still running when this process exits is killed outright
  process.once('exit', () => {
    for (const c of children) c.process.kill('SIGKILL');
    for (const task of exitTasks) task();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`\n${signal}: stopping the bench's processes…`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** A port that was free a moment ago (the child binds it right after; loopback only). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitUntilReady(child: Child, url: string, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child.exit) throw new Error(`${child.name} exited (code ${child.exit.code}, signal ${child.exit.signal}) before it was ready:\n${child.tail()}`);
    if (await answers200(url)) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${child.tail()}`);
    await sleep(100);
  }
}

function answers200(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
