// The bench's knobs: each is a flag (`--rounds=8`) or an environment variable (`BENCH_ROUNDS=8`); flags win.
import { parseArgs } from 'node:util';

/** parts bench/ablated-switchboard.ts can replace with no-ops */
export const ABLATABLE: readonly string[] = ['ledger', 'settle', 'logs'];

/** cache-miss and cache-hit: the same Switchboard process, through an alias with a response cache (bench/workload.ts) */
export const TARGET_NAMES = ['direct', 'switchboard', 'cache-miss', 'cache-hit', 'baseline', 'portkey'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface BenchOptions {
  /** alternating rounds over the targets; every phase of every round gives each target the same work */
  rounds: number;
  /** sequential non-streaming requests per target per round */
  sequential: number;
  /** sequential streaming requests per target per round (0: skip the streaming phase) */
  streaming: number;
  /** requests per target per round at `concurrency` in flight */
  load: number;
  concurrency: number;
  /** requests per target before measuring: half one at a time, half at `concurrency` */
  warmup: number;
  /** SSE content chunks the fake upstream sends per streamed answer */
  streamChunks: number;
  /** fresh processes per cold-start variant (0: skip bundle size and cold start) */
  coldRuns: number;
  /** rounds of the input-token estimate micro-benchmark, in the bench process (0: skip it) */
  estimateRounds: number;
  /** rounds of the guardrail check-cost micro-benchmark, and streamed requests per variant of the hold-back TTFB (0: skip both) */
  guardrailRounds: number;
  guardrailStreams: number;
  targets: TargetName[];
  /** write V8 CPU profiles of the gateway processes and summarize them (slows the gateways: numbers are then not comparable) */
  profile: boolean;
  /** how Switchboard runs: `tsx` = the `npm start` code path from source; `bundle` = the same entry bundled by esbuild */
  switchboardMode: 'tsx' | 'bundle';
  /**
   * where Switchboard's dynalite runs: `process` = its own process (so the gateway process's CPU is the
   * gateway's alone); `embedded` = a worker thread of the gateway process, as `npm start` runs it
   */
  dynalite: 'process' | 'embedded';
  /** diagnostic: run Switchboard with these parts as no-ops (bench/ablated-switchboard.ts); not for quoting */
  ablate: string[];
  /**
   * a git revision whose Switchboard runs beside this tree's as the target `baseline`, in the same rounds:
   * before and after a change, side by side in one run
   */
  baseline?: string;
  out: string;
  /** keep the temp dir with the generated config and process logs */
  keep: boolean;
}

const INTEGER_KNOBS = {
  rounds: { env: 'BENCH_ROUNDS', default: 5, min: 1 },
  sequential: { env: 'BENCH_SEQUENTIAL', default: 400, min: 1 },
  streaming: { env: 'BENCH_STREAMING', default: 200, min: 0 },
  load: { env: 'BENCH_LOAD', default: 1500, min: 1 },
  concurrency: { env: 'BENCH_CONCURRENCY', default: 10, min: 1 },
  warmup: { env: 'BENCH_WARMUP', default: 400, min: 0 },
  streamChunks: { env: 'BENCH_STREAM_CHUNKS', default: 20, min: 1 },
  coldRuns: { env: 'BENCH_COLD_RUNS', default: 11, min: 0 },
  estimateRounds: { env: 'BENCH_ESTIMATE_ROUNDS', default: 5, min: 0 },
  guardrailRounds: { env: 'BENCH_GUARDRAIL_ROUNDS', default: 5, min: 0 },
  guardrailStreams: { env: 'BENCH_GUARDRAIL_STREAMS', default: 100, min: 1 },
} as const;

export const USAGE = `npm run bench -- [options]        (each option also reads an environment variable)

  --rounds=N          alternating rounds over the targets          BENCH_ROUNDS        (${INTEGER_KNOBS.rounds.default})
  --sequential=N      sequential non-streaming requests per round  BENCH_SEQUENTIAL    (${INTEGER_KNOBS.sequential.default})
  --streaming=N       sequential streaming requests per round      BENCH_STREAMING     (${INTEGER_KNOBS.streaming.default}; 0 skips)
  --load=N            requests per round at --concurrency          BENCH_LOAD          (${INTEGER_KNOBS.load.default})
  --concurrency=N     requests in flight in the load phase         BENCH_CONCURRENCY   (${INTEGER_KNOBS.concurrency.default})
  --warmup=N          requests per target before measuring         BENCH_WARMUP        (${INTEGER_KNOBS.warmup.default})
  --stream-chunks=N   content chunks per streamed answer           BENCH_STREAM_CHUNKS (${INTEGER_KNOBS.streamChunks.default})
  --cold-runs=N       fresh processes per cold-start variant       BENCH_COLD_RUNS     (${INTEGER_KNOBS.coldRuns.default}; 0 skips bundle + cold start)
  --estimate-rounds=N rounds of the input-token estimate timing     BENCH_ESTIMATE_ROUNDS (${INTEGER_KNOBS.estimateRounds.default}; 0 skips)
  --guardrail-rounds=N rounds of the guardrail check-cost timing  BENCH_GUARDRAIL_ROUNDS (${INTEGER_KNOBS.guardrailRounds.default}; 0 skips it and the hold-back TTFB)
  --guardrail-streams=N streamed requests per hold-back variant   BENCH_GUARDRAIL_STREAMS (${INTEGER_KNOBS.guardrailStreams.default})
  --targets=a,b       subset of direct,switchboard,cache-miss,cache-hit,portkey  BENCH_TARGETS  (all; direct is always added)
  --switchboard=MODE  tsx (npm start's path) | bundle (esbuild)    BENCH_SWITCHBOARD   (tsx)
  --dynalite=WHERE    process (its own) | embedded (npm start's)  BENCH_DYNALITE      (process)
  --profile           CPU-profile both gateways and summarize      BENCH_PROFILE=1
  --ablate=ledger,settle,logs  diagnostic: Switchboard without these parts  BENCH_ABLATE  (none; numbers not for quoting)
  --baseline=REV      also run Switchboard at git revision REV     BENCH_BASELINE      (none; e.g. HEAD, main)
  --out=FILE          results JSON                                 BENCH_OUT           (bench/results/latest.json)
  --keep              keep the temp dir (config, process logs)     BENCH_KEEP=1
                      Switchboard's DynamoDB endpoint instead of    BENCH_DYNAMODB_ENDPOINT
                      its embedded dynalite
  --help`;

/** a wrong flag or variable: reported with the usage, without a stack */
export class OptionsError extends Error {}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  try {
    return parse(argv, env);
  } catch (err) {
    throw new OptionsError((err as Error).message);
  }
}

function parse(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      sequential: { type: 'string' },
      streaming: { type: 'string' },
      load: { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      'stream-chunks': { type: 'string' },
      'cold-runs': { type: 'string' },
      'estimate-rounds': { type: 'string' },
      'guardrail-rounds': { type: 'string' },
      'guardrail-streams': { type: 'string' },
      targets: { type: 'string' },
      switchboard: { type: 'string' },
      dynalite: { type: 'string' },
      profile: { type: 'boolean' },
      ablate: { type: 'string' },
      baseline: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }

  const flag: Record<keyof typeof INTEGER_KNOBS, string | undefined> = {
    rounds: values.rounds,
    sequential: values.sequential,
    streaming: values.streaming,
    load: values.load,
    concurrency: values.concurrency,
    warmup: values.warmup,
    streamChunks: values['stream-chunks'],
    coldRuns: values['cold-runs'],
    estimateRounds: values['estimate-rounds'],
    guardrailRounds: values['guardrail-rounds'],
    guardrailStreams: values['guardrail-streams'],
  };
  const ints = Object.fromEntries(
    Object.entries(INTEGER_KNOBS).map(([name, knob]) => {
      const raw = flag[name as keyof typeof INTEGER_KNOBS] ?? env[knob.env];
      if (raw === undefined || raw === '') return [name, knob.default];
      const n = Number(raw);
      if (!Number.isInteger(n) || n < knob.min) throw new Error(`--${name} (${knob.env}) must be an integer ≥ ${knob.min}, got "${raw}"`);
      return [name, n];
    }),
  ) as Record<keyof typeof INTEGER_KNOBS, number>;

  const targetList = (values.targets ?? env.BENCH_TARGETS ?? 'direct,switchboard,cache-miss,cache-hit,portkey')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of targetList) {
    if (!(TARGET_NAMES as readonly string[]).includes(t) || t === 'baseline') throw new Error(`--targets: unknown target "${t}" (use direct, switchboard, cache-miss, cache-hit, portkey; --baseline adds baseline)`);
  }
  if (targetList.some((t) => t.startsWith('cache-')) && !targetList.includes('switchboard')) throw new Error('--targets: cache-miss and cache-hit run through Switchboard: keep switchboard in --targets');
  const baseline = (values.baseline ?? env.BENCH_BASELINE ?? '').trim() || undefined;
  if (baseline?.startsWith('-')) throw new Error(`--baseline must name a git revision, got "${baseline}"`);
  // added latency is measured against the direct calls, so they always run
  const targets = TARGET_NAMES.filter((t) => t === 'direct' || targetList.includes(t) || (t === 'baseline' && baseline !== undefined));

  const mode = values.switchboard ?? env.BENCH_SWITCHBOARD ?? 'tsx';
  if (mode !== 'tsx' && mode !== 'bundle') throw new Error(`--switchboard must be tsx or bundle, got "${mode}"`);

  const dynalite = values.dynalite ?? env.BENCH_DYNALITE ?? 'process';
  if (dynalite !== 'process' && dynalite !== 'embedded') throw new Error(`--dynalite must be process or embedded, got "${dynalite}"`);

  const ablate = (values.ablate ?? env.BENCH_ABLATE ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const a of ablate) if (!ABLATABLE.includes(a)) throw new Error(`--ablate: unknown part "${a}" (use ${ABLATABLE.join(', ')})`);
  if (ablate.length && mode === 'bundle') throw new Error('--ablate runs Switchboard from source: it cannot be combined with --switchboard=bundle');
  if (baseline && !targets.includes('switchboard')) throw new Error('--baseline compares with this tree\'s Switchboard: keep switchboard in --targets');
  if (baseline && (ablate.length || mode === 'bundle')) throw new Error('--baseline runs both Switchboards from source as npm start does: it cannot be combined with --ablate or --switchboard=bundle');

  return {
    ...ints,
    ablate,
    ...(baseline ? { baseline } : {}),
    targets,
    profile: values.profile ?? truthy(env.BENCH_PROFILE),
    switchboardMode: mode,
    dynalite,
    out: values.out ?? env.BENCH_OUT ?? 'bench/results/latest.json',
    keep: values.keep ?? truthy(env.BENCH_KEEP),
  };
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}
