// `npm run bench`: Switchboard's own cost next to the Portkey gateway's, on loopback, over the same fake
// OpenAI-compatible upstream — (a) direct, (b) through Switchboard (auth, pricing, ledger on), (c) through
// Portkey — in alternating rounds of one run; then the handler bundle's size and its cold start.
// See bench/README.md for how to read the output and the knobs.
import '../lambdas/local/node-version-warning';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDynamoClient } from '../lambdas/adapters/dynamodb/client';
import type { GatewayConfig } from '../lambdas/core/config/schema';
import { ensureTables } from '../lambdas/adapters/dynamodb/create-tables';
import { tableNamesFromEnv } from '../lambdas/adapters/dynamodb/tables';
import { startEmbeddedDynamo } from '../lambdas/local/embedded-dynamodb';
import { FUNCTION_NODE_OPTIONS } from '../lib/config/bundling';
import { buildColdDriver, buildHandlerBundle, buildLocalServer } from './bundle';
import { measureColdStart, type ColdVariant, type ColdVariantResult } from './cold-start';
import { benchGatewayConfig, UPSTREAM_KEY_ENV } from './gateway-config';
import { createTarget, failureReasons, runConcurrent, runSequential, type Batch, type Sample, type Target } from './load';
import { OptionsError, parseOptions, USAGE, type BenchOptions, type TargetName } from './options';
import { freePort, interruptChild, isInterrupted, onExit, spawnNode, stopAll, stopChild, waitUntilReady, type Child, type ProcessStats } from './processes';
import { summarizeProfile, type ProfileSummary } from './profile-summary';
import { comparison, formatReport, type BenchResults, type PhaseName, type PhaseResult, type ResourceUse } from './report';
import { median, summarize } from './stats';
import { measureTokenEstimate } from './token-estimate';
import { cacheHitBody, cacheMissBody, CHAT_BODY, STREAM_BODY, TENANT_KEY, UPSTREAM_KEY } from './workload';
import { measureGuardrails } from './guardrails';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_DIR = join(ROOT, 'bench/.build');
const PORTKEY_SERVER = join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
/** Portkey has no SIGINT handler: without one V8 never writes its --cpu-prof file */
const EXIT_ON_SIGINT = "data:text/javascript,process.once('SIGINT',()=>process.exit(0))";
/** streaming requests per target in the warm-up */
const STREAM_WARMUP = 50;
const SDK_NODE_WARNING = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

interface Collected {
  sequential: Sample[];
  sequentialRounds: number[];
  streaming: Sample[];
  streamingRounds: number[];
  streamingTtfbRounds: number[];
  load: Sample[];
  loadRps: number[];
  /** CPU time (and DynamoDB capacity) the target's processes spent in each phase, summed over rounds */
  use: Partial<Record<PhaseName, ResourceUse>>;
}

/** the processes whose CPU time a target's requests cost: its gateway, and Switchboard's own dynalite */
interface Meters {
  gateway?: Child;
  store?: Child;
}

const log = (message: string) => process.stderr.write(`${message}\n`);

async function main(): Promise<void> {
  const startedAt = new Date();
  const opts = parseOptions(process.argv.slice(2), process.env);
  const loadAvgStart = os.loadavg();
  const tmp = mkdtempSync(join(os.tmpdir(), 'switchboard-bench-'));
  const outFile = resolve(ROOT, opts.out);
  const profileDir = join(dirname(outFile), 'profiles');
  const notes: string[] = [];
  let keepTmp = opts.keep;
  log(`bench: temp dir ${tmp}`);
  // Ctrl-C exits from the signal handler, past the finally below
  onExit(() => {
    if (!keepTmp) rmSync(tmp, { recursive: true, force: true });
  });

  try {
    // in this process, before any other starts: the input-token estimate every chat request runs
    let tokenEstimate: BenchResults['tokenEstimate'];
    if (opts.estimateRounds > 0) {
      log('bench: timing the input-token estimate…');
      tokenEstimate = measureTokenEstimate(opts.estimateRounds);
    }
    // also in this process, before the measured servers start: each guardrail check's cost, and the stream
    // hold-back's cost on time to first byte (through an in-process local gateway, stopped before the rest)
    let guardrails: BenchResults['guardrails'];
    if (opts.guardrailRounds > 0) {
      log('bench: timing guardrail checks and the stream hold-back…');
      guardrails = await measureGuardrails(opts.guardrailRounds, opts.guardrailStreams);
    }

    // (a) the upstream, in its own process
    const upstreamPort = await freePort();
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
    const upstream = spawnNode({
      name: 'fake upstream',
      nodeArgs: ['--import', 'tsx'],
      script: 'bench/fake-upstream.ts',
      args: [`--port=${upstreamPort}`, `--key=${UPSTREAM_KEY}`, `--chunks=${opts.streamChunks}`],
      cwd: ROOT,
      logFile: join(tmp, 'upstream.log'),
    });
    await waitUntilReady(upstream, `${upstreamUrl}/health`);

    const { json: configJson, config } = benchGatewayConfig(upstreamUrl);
    const configPath = join(tmp, 'gateway.config.json');
    writeFileSync(configPath, configJson);

    if (opts.profile) {
      rmSync(profileDir, { recursive: true, force: true });
      mkdirSync(profileDir, { recursive: true });
      notes.push('profiling was on: the gateways ran under the V8 profiler, so their numbers here are inflated and not for quoting');
    }
    const profileArgs = (name: string) => (opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : []);

    // Switchboard's dynalite in a process of its own, so that the gateway process's CPU is the gateway's alone
    let store: Child | undefined;
    let storeEndpoint = process.env.BENCH_DYNAMODB_ENDPOINT;
    if (opts.targets.includes('switchboard') && !storeEndpoint && opts.dynalite === 'process') {
      const port = await freePort();
      store = spawnNode({ name: 'dynalite', nodeArgs: ['--import', 'tsx'], script: 'bench/state-store.ts', args: [`--port=${port}`], cwd: ROOT, logFile: join(tmp, 'dynalite.log') });
      storeEndpoint = `http://127.0.0.1:${port}`;
      await waitUntilReady(store, `${storeEndpoint}/`);
    }

    // (b) Switchboard, its own process, through npm start's entry (or that entry bundled); with --baseline, also
    // the same entry at another revision, against the same dynalite
    const gateways: Partial<Record<TargetName, { child: Child; url: string }>> = {};
    const switchboards: { name: 'switchboard' | 'baseline'; cwd: string }[] = [];
    if (opts.targets.includes('switchboard')) switchboards.push({ name: 'switchboard', cwd: ROOT });
    if (opts.baseline) {
      const cwd = checkOut(opts.baseline, join(tmp, 'baseline'));
      switchboards.push({ name: 'baseline', cwd });
      log(`bench: baseline is ${opts.baseline} (${shortCommit(opts.baseline)}), checked out in ${cwd}`);
    }
    for (const { name, cwd } of switchboards) {
      const port = await freePort();
      const entry =
        opts.switchboardMode === 'bundle'
          ? { nodeArgs: [] as string[], script: await buildLocalServer(ROOT, BUILD_DIR) }
          : { nodeArgs: ['--import', 'tsx'], script: opts.ablate.length ? 'bench/ablated-switchboard.ts' : 'lambdas/local/main.ts' };
      if (opts.ablate.length) notes.push(`DIAGNOSTIC RUN: Switchboard ran without ${opts.ablate.join(', ')} (bench/ablated-switchboard.ts); not for quoting`);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        GATEWAY_CONFIG: configPath,
        [UPSTREAM_KEY_ENV]: UPSTREAM_KEY,
        BENCH_ABLATE: opts.ablate.join(','),
        // every DynamoDB call asks for its consumed capacity, which the bench reads with the CPU time
        SWITCHBOARD_MEASURE_CAPACITY: '1',
      };
      // the bench's dynalite process, another DynamoDB-compatible endpoint, or (--dynalite=embedded) its own
      // embedded dynalite as `npm start` runs it
      delete env.DYNAMODB_ENDPOINT;
      if (storeEndpoint) env.DYNAMODB_ENDPOINT = storeEndpoint;
      if (process.env.BENCH_DYNAMODB_ENDPOINT) {
        notes.push(`Switchboard used the DynamoDB endpoint ${env.DYNAMODB_ENDPOINT} (BENCH_DYNAMODB_ENDPOINT), not the bench's dynalite`);
      } else if (!store) {
        notes.push('Switchboard ran dynalite embedded (a worker thread of its process, as npm start does): its CPU per request includes dynalite’s');
      }
      const child = spawnNode({
        name,
        nodeArgs: [...entry.nodeArgs, ...profileArgs(name)],
        script: entry.script,
        env,
        cwd,
        logFile: join(tmp, `${name}.log`),
      });
      const url = `http://127.0.0.1:${port}`;
      const readyMs = await waitUntilReady(child, `${url}/health`);
      log(`bench: ${name} ready on ${url} after ${readyMs.toFixed(0)} ms`);
      gateways[name] = { child, url };
    }

    // (c) Portkey, its own process, as `npx @portkey-ai/gateway` starts it, without its UI
    if (opts.targets.includes('portkey')) {
      if (!existsSync(PORTKEY_SERVER)) throw new Error(`Portkey gateway not installed at ${PORTKEY_SERVER}: run npm ci`);
      const port = await freePort();
      const child = spawnNode({
        name: 'portkey',
        nodeArgs: [...profileArgs('portkey'), ...(opts.profile ? ['--import', EXIT_ON_SIGINT] : [])],
        script: PORTKEY_SERVER,
        args: [`--port=${port}`, '--headless'],
        cwd: ROOT,
        logFile: join(tmp, 'portkey.log'),
      });
      const url = `http://127.0.0.1:${port}`;
      const readyMs = await waitUntilReady(child, `${url}/`);
      log(`bench: portkey ready on ${url} after ${readyMs.toFixed(0)} ms`);
      gateways.portkey = { child, url };
    }

    const targets: Target[] = [createTarget('direct', `${upstreamUrl}/v1/chat/completions`, { authorization: `Bearer ${UPSTREAM_KEY}` }, opts.concurrency)];
    if (gateways.switchboard) {
      targets.push(createTarget('switchboard', `${gateways.switchboard.url}/v1/chat/completions`, { authorization: `Bearer ${TENANT_KEY}` }, opts.concurrency));
    }
    for (const [name, rewrite] of [['cache-miss', cacheMissBody], ['cache-hit', cacheHitBody]] as const) {
      if (gateways.switchboard && opts.targets.includes(name)) {
        targets.push({ ...createTarget(name, `${gateways.switchboard.url}/v1/chat/completions`, { authorization: `Bearer ${TENANT_KEY}` }, opts.concurrency), rewrite });
      }
    }
    if (gateways.baseline) {
      targets.push(createTarget('baseline', `${gateways.baseline.url}/v1/chat/completions`, { authorization: `Bearer ${TENANT_KEY}` }, opts.concurrency));
    }
    if (gateways.portkey) {
      targets.push(
        createTarget(
          'portkey',
          `${gateways.portkey.url}/v1/chat/completions`,
          { authorization: `Bearer ${UPSTREAM_KEY}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` },
          opts.concurrency,
        ),
      );
    }

    const warmupFailures = await warmUp(targets, opts, (name) => gateways[name.startsWith('cache-') ? 'switchboard' : name]?.child ?? upstream);
    const meters = (name: string): Meters =>
      name === 'switchboard' || name === 'baseline' ? { gateway: gateways[name]?.child, store } : name.startsWith('cache-') ? { gateway: gateways.switchboard?.child, store } : { gateway: gateways[name as TargetName]?.child };
    const collected = await runRounds(targets, opts, meters);
    for (const [name, g] of Object.entries(gateways)) {
      if (g.child.exit) notes.push(`${name} exited during the run (code ${g.child.exit.code}, signal ${g.child.exit.signal}); its log: ${g.child.logFile}`);
    }
    const phases = toPhases(targets, collected, opts);
    for (const t of targets) t.agent.destroy();
    for (const [name, list] of Object.entries(phases)) {
      for (const p of list) {
        if (!p.failed) continue;
        const reasons = Object.entries(p.failures).map(([reason, n]) => `${reason} ×${n}`).join(', ');
        const child = gateways[p.target]?.child;
        const logged = child ? firstErrorLine(child.logFile) : undefined;
        notes.push(`${p.target}, ${name}: ${p.failed} of ${p.requests} requests failed (${reasons})${logged ? `; its log says: ${logged}` : ''}`);
      }
    }

    // stop the gateways before the cold-start runs, so they do not compete for the CPU
    const profiles: Partial<Record<TargetName, ProfileSummary>> = {};
    for (const [name, g] of Object.entries(gateways) as [TargetName, { child: Child; url: string }][]) {
      if (!opts.profile) {
        await stopChild(g.child);
        continue;
      }
      await interruptChild(g.child);
      const main = mainThreadProfile(join(profileDir, name), g.child.process.pid);
      if (main) {
        profiles[name] = summarizeProfile(main, ROOT);
        log(`bench: ${name} profile ${relative(ROOT, main)}`);
      } else {
        notes.push(`no CPU profile was written for ${name} (see ${g.child.logFile})`);
        keepTmp = true;
      }
    }

    if (store) await stopChild(store);

    let bundle: BenchResults['bundle'];
    let coldStart: ColdVariantResult[] | undefined;
    if (opts.coldRuns > 0) {
      ({ bundle, coldStart } = await bundleAndColdStart(opts, config, upstreamUrl, notes));
    }
    await stopChild(upstream);

    const results: BenchResults = {
      startedAt: startedAt.toISOString(),
      durationS: (Date.now() - startedAt.getTime()) / 1000,
      command: commandLine(),
      git: gitInfo(),
      machine: {
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        cpus: os.availableParallelism(),
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
        memGb: Math.round(os.totalmem() / 2 ** 30),
        loadAvgStart,
        loadAvgEnd: os.loadavg(),
      },
      options: { ...opts },
      setup: {
        upstream: 'bench/fake-upstream.ts, own process (node:http, pre-serialized answers, checks the Bearer key)',
        switchboard: gateways.switchboard
          ? opts.ablate.length
            ? `DIAGNOSTIC: bench/ablated-switchboard.ts without ${opts.ablate.join(', ')}`
            : `${opts.switchboardMode === 'bundle' ? 'bench/.build/local-main.mjs (lambdas/local/main.ts bundled by esbuild)' : 'node --import tsx lambdas/local/main.ts (npm start’s code path)'}, ${store ? 'dynalite in its own process' : process.env.BENCH_DYNAMODB_ENDPOINT ? 'DynamoDB at BENCH_DYNAMODB_ENDPOINT' : 'embedded dynalite'}, tenant key auth, pricing, ledger write`
          : 'not run',
        ...(opts.baseline ? { baseline: `the same as switchboard, at ${opts.baseline} (${shortCommit(opts.baseline)}), same dynalite` } : {}),
        portkey: gateways.portkey ? `@portkey-ai/gateway ${portkeyVersion()} build/start-server.js --headless, x-portkey-provider: openai + x-portkey-custom-host` : 'not run',
        client: `node:http keep-alive agent per target, in the bench process; body ${CHAT_BODY.length} B (stream ${STREAM_BODY.length} B)`,
      },
      warmupFailures,
      phases,
      comparison: comparison(phases),
      resources: targets.filter((t) => t.name !== 'direct').flatMap((t) => Object.values(collected.get(t.name)!.use)),
      groupCommitMs: process.env.GROUP_COMMIT_MS ?? '20 (npm start’s default)',
      bundle,
      coldStart,
      tokenEstimate,
      guardrails,
      profiles: opts.profile ? profiles : undefined,
      notes,
    };
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
    console.log(formatReport(results));
    console.log(`\nresults: ${relative(process.cwd(), outFile) || outFile}`);
  } catch (err) {
    if (isInterrupted()) return;
    keepTmp = true;
    throw err;
  } finally {
    await stopAll();
    if (keepTmp) log(`bench: kept ${tmp} (config and process logs)`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/** JIT, connection pools, caches. A target that cannot answer at all stops the bench here, with its log. */
async function warmUp(targets: Target[], opts: BenchOptions, childOf: (name: TargetName) => Child): Promise<Partial<Record<TargetName, number>>> {
  const failures: Partial<Record<TargetName, number>> = {};
  for (const t of targets) {
    const half = Math.ceil(opts.warmup / 2);
    const batches = [
      await runSequential(t, CHAT_BODY, false, half),
      await runConcurrent(t, CHAT_BODY, false, half, opts.concurrency),
      ...(opts.streaming ? [await runSequential(t, STREAM_BODY, true, STREAM_WARMUP)] : []),
    ];
    const samples = batches.flatMap((b) => b.samples);
    const failed = samples.filter((s) => !s.ok).length;
    failures[t.name as TargetName] = failed;
    if (samples.length && failed === samples.length) {
      throw new Error(`${t.name}: every warm-up request failed (${JSON.stringify(failureReasons(samples))}). Its log:\n${childOf(t.name as TargetName).tail()}`);
    }
    log(`bench: warmed up ${t.name} (${samples.length} requests, ${failed} failed)`);
  }
  return failures;
}

/** Alternating rounds: every phase visits every target, in an order that rotates each round. */
async function runRounds(targets: Target[], opts: BenchOptions, meters: (name: string) => Meters): Promise<Map<string, Collected>> {
  const collected = new Map<string, Collected>(
    targets.map((t) => [t.name, { sequential: [], sequentialRounds: [], streaming: [], streamingRounds: [], streamingTtfbRounds: [], load: [], loadRps: [], use: {} }]),
  );
  const okTimes = (s: Sample[], pick: (x: Sample) => number) => s.filter((x) => x.ok).map(pick);
  /** run one phase of one target, adding the CPU time (and capacity) its processes spent to the phase's total */
  const measured = async (t: Target, phase: PhaseName, run: () => Promise<Batch>): Promise<Batch> => {
    const m = meters(t.name);
    const before = await readMeters(m);
    const batch = await run();
    const after = await readMeters(m);
    const c = collected.get(t.name)!;
    c.use[phase] = addUse(c.use[phase] ?? emptyUse(t.name as TargetName, phase), batch.samples.length, before, after);
    return batch;
  };
  for (let round = 0; round < opts.rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const t of order) {
      const batch = await measured(t, 'sequential', () => runSequential(t, CHAT_BODY, false, opts.sequential));
      const c = collected.get(t.name)!;
      c.sequential.push(...batch.samples);
      c.sequentialRounds.push(median(okTimes(batch.samples, (x) => x.totalMs)));
    }
    if (opts.streaming) {
      for (const t of order) {
        const batch = await measured(t, 'streaming', () => runSequential(t, STREAM_BODY, true, opts.streaming));
        const c = collected.get(t.name)!;
        c.streaming.push(...batch.samples);
        c.streamingRounds.push(median(okTimes(batch.samples, (x) => x.totalMs)));
        c.streamingTtfbRounds.push(median(okTimes(batch.samples, (x) => x.ttfbMs)));
      }
    }
    for (const t of order) {
      const batch = await measured(t, 'load', () => runConcurrent(t, CHAT_BODY, false, opts.load, opts.concurrency));
      const c = collected.get(t.name)!;
      c.load.push(...batch.samples);
      c.loadRps.push(batch.samples.filter((x) => x.ok).length / (batch.elapsedMs / 1000));
    }
    const summary = targets.map((t) => {
      const c = collected.get(t.name)!;
      return `${t.name} p50 ${c.sequentialRounds.at(-1)!.toFixed(2)} ms, ${c.loadRps.at(-1)!.toFixed(0)} req/s`;
    });
    log(`bench: round ${round + 1}/${opts.rounds}: ${summary.join('; ')}`);
  }
  return collected;
}

async function readMeters(m: Meters): Promise<{ gateway?: ProcessStats; store?: ProcessStats }> {
  const [gateway, store] = await Promise.all([m.gateway?.stats(), m.store?.stats()]);
  return { gateway, store };
}

function emptyUse(target: TargetName, phase: PhaseName): ResourceUse {
  return { target, phase, requests: 0, cpuMs: 0 };
}

function addUse(use: ResourceUse, requests: number, before: { gateway?: ProcessStats; store?: ProcessStats }, after: { gateway?: ProcessStats; store?: ProcessStats }): ResourceUse {
  const cpuMs = (a?: ProcessStats, b?: ProcessStats) => (a && b ? (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / 1000 : 0);
  const next: ResourceUse = { ...use, requests: use.requests + requests, cpuMs: use.cpuMs + cpuMs(before.gateway, after.gateway) };
  if (before.store && after.store) next.storeCpuMs = (use.storeCpuMs ?? 0) + cpuMs(before.store, after.store);
  const from = before.gateway?.capacity;
  const to = after.gateway?.capacity;
  if (from && to) {
    const calls = { ...use.dynamodb?.calls };
    for (const [command, n] of Object.entries(to.calls)) {
      const delta = n - (from.calls[command] ?? 0);
      if (delta) calls[command] = (calls[command] ?? 0) + delta;
    }
    const unreported = { ...use.dynamodb?.unreported };
    for (const [command, n] of Object.entries(to.unreported)) {
      const delta = n - (from.unreported[command] ?? 0);
      if (delta) unreported[command] = (unreported[command] ?? 0) + delta;
    }
    next.dynamodb = {
      readUnits: (use.dynamodb?.readUnits ?? 0) + to.readUnits - from.readUnits,
      writeUnits: (use.dynamodb?.writeUnits ?? 0) + to.writeUnits - from.writeUnits,
      conditionFailures: (use.dynamodb?.conditionFailures ?? 0) + to.conditionFailures - from.conditionFailures,
      calls,
      unreported,
    };
  }
  return next;
}

function toPhases(targets: Target[], collected: Map<string, Collected>, opts: BenchOptions): BenchResults['phases'] {
  const phase = (name: string, samples: Sample[], perRound: number[], ttfbRounds?: number[]): PhaseResult => {
    const ok = samples.filter((s) => s.ok);
    return {
      target: name as TargetName,
      requests: samples.length,
      failed: samples.length - ok.length,
      failures: failureReasons(samples),
      total: summarize(ok.map((s) => s.totalMs)),
      ...(ttfbRounds ? { ttfb: summarize(ok.map((s) => s.ttfbMs)), perRoundTtfb: ttfbRounds } : {}),
      perRound,
    };
  };
  return {
    sequential: targets.map((t) => phase(t.name, collected.get(t.name)!.sequential, collected.get(t.name)!.sequentialRounds)),
    streaming: opts.streaming
      ? targets.map((t) => {
          const c = collected.get(t.name)!;
          return phase(t.name, c.streaming, c.streamingRounds, c.streamingTtfbRounds);
        })
      : [],
    load: targets.map((t) => phase(t.name, collected.get(t.name)!.load, collected.get(t.name)!.loadRps)),
  };
}

async function bundleAndColdStart(
  opts: BenchOptions,
  config: GatewayConfig,
  upstreamUrl: string,
  notes: string[],
): Promise<{ bundle: BenchResults['bundle']; coldStart: ColdVariantResult[] }> {
  log('bench: bundling the gateway handler and measuring cold starts…');
  const bundle = await buildHandlerBundle(ROOT, join(BUILD_DIR, 'handler'), config);
  const driver = await buildColdDriver(ROOT, BUILD_DIR);
  const dynamo = await startEmbeddedDynamo();
  try {
    const client = createDynamoClient({ endpoint: dynamo.endpoint });
    await ensureTables(client, tableNamesFromEnv({}));
    client.destroy();
    // what a Lambda function gets: region, function name, the gateway's own variables; nothing else of ours
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'switchboard-bench',
      POWERTOOLS_SERVICE_NAME: 'switchboard',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      [UPSTREAM_KEY_ENV]: UPSTREAM_KEY,
      // on Node 20 the SDK warns on stderr at start; the Node 22 Lambda runtime does not
      [SDK_NODE_WARNING]: 'true',
    };
    const coldStart: ColdVariantResult[] = [];
    const runtimeImports = bundle.externals.map((e) => `import(${JSON.stringify(e)})`).join(', ');
    const deployed = { NODE_OPTIONS: FUNCTION_NODE_OPTIONS };
    const variants: ColdVariant[] = [
      { name: 'GET /health', route: 'health', bundle: bundle.file, env: deployed },
      { name: 'POST chat (upstream + ledger)', route: 'chat', bundle: bundle.file, env: deployed },
      { name: 'GET /health without source maps', route: 'health', bundle: bundle.file },
      // what part of the cold start is the runtime's SDK: only the imports the bundle leaves to it, as it loads
      { name: 'reference: only import the SDK', route: 'reference', nodeArgs: ['--input-type=module', '-e', `await Promise.all([${runtimeImports}])`] },
    ];
    for (const variant of variants) {
      coldStart.push(await measureColdStart({ driver, variant, runs: opts.coldRuns, env, cwd: ROOT }));
    }
    // bare starts ran interleaved with every variant: their pooled median is the steadiest baseline
    const bare = median(coldStart.flatMap((v) => v.bareAllMs));
    for (const v of coldStart) v.ratio = v.wallMs / bare;
    notes.push(
      `cold start ran the bundle from ${relative(ROOT, bundle.file)} with NODE_OPTIONS=${FUNCTION_NODE_OPTIONS} as the function has it (unless the row says without), @aws-sdk/* loaded from node_modules (the Lambda runtime provides it); ` +
        `the chat variant called the fake upstream at ${upstreamUrl} and wrote the ledger to a dynalite in the bench process; Lambda's own runtime start (bootstrap, init API) is not included`,
    );
    return { bundle, coldStart };
  } finally {
    await dynamo.stop();
  }
}

/** the main thread's profile: V8 names it CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile, main thread 0 */
function mainThreadProfile(dir: string, pid: number | undefined): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.find((f) => f.includes(`.${pid}.0.`)) ?? files[0];
  return main ? join(dir, main) : undefined;
}

/** the first line of a process log that reads like an error, for the notes */
function firstErrorLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => /error/i.test(l))
      ?.trim()
      .slice(0, 200);
  } catch {
    return undefined;
  }
}

function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  const knobs = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const cmd = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args ? ` -- ${args}` : ''}` : `tsx bench/run.ts ${args}`.trim();
  return knobs ? `${knobs} ${cmd}` : cmd;
}

function gitInfo(): BenchResults['git'] {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return { commit: git('rev-parse', '--short', 'HEAD') || 'unknown', branch: git('rev-parse', '--abbrev-ref', 'HEAD') || 'unknown', dirty: git('status', '--porcelain').length > 0 };
}

/**
 * The tree of a git revision, extracted (git archive: no worktree registered) into `dir`, with this tree's
 * node_modules linked in: the baseline runs its own code on the same dependencies.
 */
function checkOut(revision: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', revision], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** the short commit a revision names */
function shortCommit(revision: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', `${revision}^{commit}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

function portkeyVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(dirname(PORTKEY_SERVER), '../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

main().catch(async (err: unknown) => {
  if (err instanceof OptionsError) console.error(`${err.message}\n\n${USAGE}`);
  else console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  await stopAll();
  process.exit(1);
});
