// The bench's results: their JSON shape (written to bench/results/) and the tables printed from them.
import { formatGuardrailBench, type GuardrailBench } from './guardrails';
import type { ColdVariantResult } from './cold-start';
import type { HandlerBundle } from './bundle';
import type { TargetName } from './options';
import type { ProfileSummary } from './profile-summary';
import { formatProfile } from './profile-summary';
import { median, type Summary } from './stats';
import { formatTokenEstimate, type TokenEstimateRow } from './token-estimate';

/** DESIGN.md, "Speed: what the hot path may cost" */
export const TARGETS = {
  // DESIGN says 250 KiB; with three front doors in one handler the bar is 300 (docs/deploy.md, "Bundle")
  bundleBytes: 360 * 1024,
  coldRatio: 1.5,
};

export interface PhaseResult {
  target: TargetName;
  requests: number;
  failed: number;
  failures: Record<string, number>;
  /** request → last byte, successful requests of all rounds */
  total: Summary;
  /** request → first body byte (streaming phase) */
  ttfb?: Summary;
  /** per round: median total latency, or requests/s in the load phase */
  perRound: number[];
  perRoundTtfb?: number[];
}

export type PhaseName = 'sequential' | 'streaming' | 'load';

/** what a target's processes spent in one phase, summed over rounds */
export interface ResourceUse {
  target: TargetName;
  phase: PhaseName;
  /** requests sent in the phase (failed ones included) */
  requests: number;
  /** CPU time (user + system, every thread) of the gateway's process */
  cpuMs: number;
  /** CPU time of Switchboard's dynalite process (its DynamoDB), when it runs apart */
  storeCpuMs?: number;
  /** DynamoDB capacity Switchboard's calls consumed, as the store reported it (ReturnConsumedCapacity TOTAL) */
  dynamodb?: { readUnits: number; writeUnits: number; conditionFailures: number; calls: Record<string, number>; unreported: Record<string, number> };
}

/** Lambda gives a function CPU in proportion to its memory: 1,769 MB is one vCPU */
export const MB_PER_VCPU = 1769;

export interface BenchResults {
  startedAt: string;
  durationS: number;
  command: string;
  git: { commit: string; branch: string; dirty: boolean };
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memGb: number; loadAvgStart: number[]; loadAvgEnd: number[] };
  options: Record<string, unknown>;
  setup: Record<string, string>;
  warmupFailures: Partial<Record<TargetName, number>>;
  phases: {
    sequential: PhaseResult[];
    streaming: PhaseResult[];
    load: PhaseResult[];
  };
  comparison: Record<string, number | null>;
  resources: ResourceUse[];
  /** GROUP_COMMIT_MS the Switchboard process ran with (Lambda uses 0) */
  groupCommitMs: string;
  bundle?: HandlerBundle;
  coldStart?: ColdVariantResult[];
  /** core/tokens' input-token estimate, µs per request (bench/token-estimate.ts) */
  tokenEstimate?: TokenEstimateRow[];
  guardrails?: GuardrailBench;
  profiles?: Partial<Record<TargetName, ProfileSummary>>;
  notes: string[];
}

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(2));
const signed = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : `${n >= 0 ? '+' : ''}${n.toFixed(2)}`);
const ratio = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : `${n.toFixed(2)}×`);
const pad = (s: string, n: number) => s.padStart(n);
const padEnd = (s: string, n: number) => s.padEnd(n);

function find(list: PhaseResult[], t: TargetName): PhaseResult | undefined {
  return list.find((p) => p.target === t);
}

/** gateway minus direct, from the same rounds */
export function added(list: PhaseResult[], t: TargetName, pick: (p: PhaseResult) => number | undefined): number | undefined {
  const g = find(list, t);
  const d = find(list, 'direct');
  if (!g || !d) return undefined;
  const a = pick(g);
  const b = pick(d);
  return a === undefined || b === undefined ? undefined : a - b;
}

/** the spread over rounds of (round median of the gateway − round median of direct) */
function addedRange(list: PhaseResult[], t: TargetName, perRound: (p: PhaseResult) => number[] | undefined): string {
  const g = find(list, t);
  const d = find(list, 'direct');
  const gr = g && perRound(g);
  const dr = d && perRound(d);
  if (!gr || !dr || gr.length === 0) return '—';
  const diffs = gr.map((v, i) => v - (dr[i] ?? Number.NaN)).filter((v) => Number.isFinite(v));
  if (!diffs.length) return '—';
  return `${Math.min(...diffs).toFixed(2)}…${Math.max(...diffs).toFixed(2)}`;
}

function failedCell(p: PhaseResult): string {
  const cell = `${p.failed}/${p.requests}`;
  return p.failed ? `${cell} !` : cell;
}

export function comparison(r: BenchResults['phases']): Record<string, number | null> {
  const q = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? null : a / b);
  const rpsOf = (t: TargetName) => {
    const p = find(r.load, t);
    return p ? median(p.perRound) : undefined;
  };
  return {
    addedP50Ratio: q(added(r.sequential, 'switchboard', (p) => p.total.p50), added(r.sequential, 'portkey', (p) => p.total.p50)),
    addedP99Ratio: q(added(r.sequential, 'switchboard', (p) => p.total.p99), added(r.sequential, 'portkey', (p) => p.total.p99)),
    streamTtfbAddedP50Ratio: q(added(r.streaming, 'switchboard', (p) => p.ttfb?.p50), added(r.streaming, 'portkey', (p) => p.ttfb?.p50)),
    streamTotalAddedP50Ratio: q(added(r.streaming, 'switchboard', (p) => p.total.p50), added(r.streaming, 'portkey', (p) => p.total.p50)),
    rpsRatio: q(rpsOf('switchboard'), rpsOf('portkey')),
    ...(find(r.sequential, 'cache-hit')
      ? {
          cacheHitAddedP50Ratio: q(added(r.sequential, 'cache-hit', (p) => p.total.p50), added(r.sequential, 'portkey', (p) => p.total.p50)),
          cacheMissAddedP50Ms: added(r.sequential, 'cache-miss', (p) => p.total.p50) ?? null,
          cacheHitAddedP50Ms: added(r.sequential, 'cache-hit', (p) => p.total.p50) ?? null,
          noCacheAddedP50Ms: added(r.sequential, 'switchboard', (p) => p.total.p50) ?? null,
        }
      : {}),
    ...(find(r.sequential, 'baseline')
      ? {
          baselineAddedP50Ratio: q(added(r.sequential, 'switchboard', (p) => p.total.p50), added(r.sequential, 'baseline', (p) => p.total.p50)),
          baselineAddedP99Ratio: q(added(r.sequential, 'switchboard', (p) => p.total.p99), added(r.sequential, 'baseline', (p) => p.total.p99)),
          baselineRpsRatio: q(rpsOf('switchboard'), rpsOf('baseline')),
          baselineTotalAddedP50Ratio: q(added(r.streaming, 'switchboard', (p) => p.total.p50), added(r.streaming, 'baseline', (p) => p.total.p50)),
        }
      : {}),
  };
}

/** CPU ms per request of a target's gateway process in a phase */
function cpuPerRequest(r: BenchResults, target: TargetName, phase: PhaseName): number | undefined {
  const u = r.resources.find((x) => x.target === target && x.phase === phase);
  return u && u.requests ? u.cpuMs / u.requests : undefined;
}

export function formatReport(r: BenchResults): string {
  const out: string[] = [];
  const o = r.options as { rounds: number; sequential: number; streaming: number; load: number; concurrency: number; warmup: number; streamChunks: number };
  out.push(
    `Switchboard bench — ${r.startedAt}, took ${r.durationS.toFixed(0)} s`,
    `command:     ${r.command}`,
    `git:         ${r.git.commit} (${r.git.branch}${r.git.dirty ? ', uncommitted changes' : ''})`,
    `machine:     node ${r.machine.node}, ${r.machine.platform}, ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memGb} GB, load avg ${r.machine.loadAvgStart.map((l) => l.toFixed(2)).join(' ')} → ${r.machine.loadAvgEnd.map((l) => l.toFixed(2)).join(' ')}`,
    `workload:    ${o.rounds} alternating rounds; per target and round ${o.sequential} sequential, ${o.streaming} sequential streaming (${o.streamChunks} chunks), ${o.load} at ${o.concurrency} concurrent; warm-up ${o.warmup}`,
    ...Object.entries(r.setup).map(([k, v]) => `${padEnd(`${k}:`, 13)}${v}`),
    '',
  );

  const seq = r.phases.sequential;
  if (seq.length) {
    out.push(
      'Sequential non-streaming chat completions, latency in ms (request → last byte)',
      `  ${padEnd('target', 13)}${pad('p50', 8)}${pad('p90', 8)}${pad('p99', 8)}${pad('added p50', 11)}${pad('added p99', 11)}${pad('added p50 by round', 20)}${pad('failed', 14)}`,
    );
    for (const p of seq) {
      const direct = p.target === 'direct';
      out.push(
        `  ${padEnd(p.target, 13)}${pad(ms(p.total.p50), 8)}${pad(ms(p.total.p90), 8)}${pad(ms(p.total.p99), 8)}` +
          `${pad(direct ? '' : signed(added(seq, p.target, (x) => x.total.p50)), 11)}${pad(direct ? '' : signed(added(seq, p.target, (x) => x.total.p99)), 11)}` +
          `${pad(direct ? '' : addedRange(seq, p.target, (x) => x.perRound), 20)}${pad(failedCell(p), 14)}`,
      );
    }
    out.push('');
  }

  const st = r.phases.streaming;
  if (st.length) {
    out.push(
      'Sequential streaming chat completions, ms (TTFB = request → first body byte; total = → last byte)',
      `  ${padEnd('target', 13)}${pad('TTFB p50', 10)}${pad('TTFB p99', 10)}${pad('total p50', 11)}${pad('total p99', 11)}${pad('+TTFB p50', 11)}${pad('+TTFB p99', 11)}${pad('+total p50', 12)}${pad('+total p99', 12)}${pad('failed', 14)}`,
    );
    for (const p of st) {
      const direct = p.target === 'direct';
      const a = (pick: (x: PhaseResult) => number | undefined) => (direct ? '' : signed(added(st, p.target, pick)));
      out.push(
        `  ${padEnd(p.target, 13)}${pad(ms(p.ttfb?.p50), 10)}${pad(ms(p.ttfb?.p99), 10)}${pad(ms(p.total.p50), 11)}${pad(ms(p.total.p99), 11)}` +
          `${pad(a((x) => x.ttfb?.p50), 11)}${pad(a((x) => x.ttfb?.p99), 11)}${pad(a((x) => x.total.p50), 12)}${pad(a((x) => x.total.p99), 12)}${pad(failedCell(p), 14)}`,
      );
    }
    out.push('');
  }

  const load = r.phases.load;
  if (load.length) {
    out.push(
      `Throughput at ${o.concurrency} concurrent, non-streaming (requests/s: median of rounds, min…max; latency in ms under load)`,
      `  ${padEnd('target', 13)}${pad('req/s', 9)}${pad('min…max', 15)}${pad('p50', 8)}${pad('p99', 8)}${pad('failed', 14)}`,
    );
    for (const p of load) {
      out.push(
        `  ${padEnd(p.target, 13)}${pad(median(p.perRound).toFixed(0), 9)}${pad(`${Math.min(...p.perRound).toFixed(0)}…${Math.max(...p.perRound).toFixed(0)}`, 15)}` +
          `${pad(ms(p.total.p50), 8)}${pad(ms(p.total.p99), 8)}${pad(failedCell(p), 14)}`,
      );
    }
    out.push('');
  }

  const c = r.comparison;
  if (find(seq, 'switchboard') && find(seq, 'portkey')) {
    const sb = added(seq, 'switchboard', (p) => p.total.p50);
    const pk = added(seq, 'portkey', (p) => p.total.p50);
    const verdictLatency = sb === undefined || pk === undefined ? '—' : sb <= pk / 2 ? 'meets target and aim (≤ ½ Portkey)' : sb <= pk ? 'meets target (≤ Portkey), not the aim of ½' : 'MISSES target (> Portkey)';
    const verdictRps = c.rpsRatio === null || c.rpsRatio === undefined ? '—' : c.rpsRatio >= 1 ? 'meets target (≥ Portkey)' : 'MISSES target (< Portkey)';
    out.push(
      'Switchboard / Portkey',
      `  added latency p50 (sequential)     ${pad(ratio(c.addedP50Ratio), 8)}   DESIGN: ≤ 1×, aim 0.5×  → ${verdictLatency}`,
      `  added latency p99 (sequential)     ${pad(ratio(c.addedP99Ratio), 8)}`,
      ...(st.length
        ? [`  added TTFB p50 (streaming)         ${pad(ratio(c.streamTtfbAddedP50Ratio), 8)}`, `  added total p50 (streaming)        ${pad(ratio(c.streamTotalAddedP50Ratio), 8)}`]
        : []),
      `  requests/s at ${o.concurrency} concurrent          ${pad(ratio(c.rpsRatio), 8)}   DESIGN: ≥ 1×            → ${verdictRps}`,
      '',
    );
  }

  if (find(seq, 'cache-hit') || find(seq, 'cache-miss')) {
    const p50 = (x: PhaseResult) => x.total.p50;
    const ttfb50 = (x: PhaseResult) => x.ttfb?.p50;
    const row = (label: string, list: PhaseResult[], pick: (x: PhaseResult) => number | undefined) =>
      `  ${padEnd(label, 35)}${(['switchboard', 'cache-miss', 'cache-hit', 'portkey'] as const).map((t) => pad(signed(added(list, t, pick)), 12)).join('')}`;
    const missExtra = (list: PhaseResult[], pick: (x: PhaseResult) => number | undefined) => {
      const m = added(list, 'cache-miss', pick);
      const s = added(list, 'switchboard', pick);
      return m === undefined || s === undefined ? '—' : signed(m - s);
    };
    out.push(
      'Response cache: added ms over direct, same rounds (an alias with a cache; a miss reads it beside admission and writes after the answer, a hit calls no upstream)',
      `  ${padEnd('', 35)}${['no cache', 'miss', 'hit', 'Portkey'].map((h) => pad(h, 12)).join('')}`,
      row('added latency p50 (sequential)', seq, p50),
      row('added latency p99 (sequential)', seq, (x) => x.total.p99),
      ...(st.length ? [row('added TTFB p50 (streaming)', st, ttfb50), row('added total p50 (streaming)', st, p50)] : []),
      `  a miss beyond no cache, p50: sequential ${missExtra(seq, p50)} ms${st.length ? `, streaming TTFB ${missExtra(st, ttfb50)} ms` : ''}; by round: miss ${addedRange(seq, 'cache-miss', (x) => x.perRound)} against no cache ${addedRange(seq, 'switchboard', (x) => x.perRound)}`,
      `  hit / Portkey added p50 (sequential): ${ratio(c.cacheHitAddedP50Ratio)}`,
      '',
    );
  }

  if (find(seq, 'baseline') && find(seq, 'switchboard')) {
    const cpu = (phase: PhaseName) => {
      const a = cpuPerRequest(r, 'switchboard', phase);
      const b = cpuPerRequest(r, 'baseline', phase);
      return a === undefined || b === undefined ? '—' : `${a.toFixed(2)} / ${b.toFixed(2)} ms = ${ratio(a / b)}`;
    };
    out.push(
      `Switchboard / baseline (${(r.options as { baseline?: string }).baseline}): this tree against the baseline revision, same rounds (lower is better but for requests/s)`,
      `  added latency p50 (sequential)     ${pad(ratio(c.baselineAddedP50Ratio), 8)}   by round: ${addedRange(seq, 'switchboard', (x) => x.perRound)} against ${addedRange(seq, 'baseline', (x) => x.perRound)}`,
      `  added latency p99 (sequential)     ${pad(ratio(c.baselineAddedP99Ratio), 8)}`,
      ...(st.length ? [`  added total p50 (streaming)        ${pad(ratio(c.baselineTotalAddedP50Ratio), 8)}`] : []),
      `  requests/s at ${o.concurrency} concurrent          ${pad(ratio(c.baselineRpsRatio), 8)}`,
      `  CPU per request: sequential ${cpu('sequential')}${st.length ? `; streaming ${cpu('streaming')}` : ''}; load ${cpu('load')}`,
      '',
    );
  }

  if (r.resources.length) out.push(...formatResources(r), '');

  if (r.bundle) {
    const b = r.bundle;
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    out.push(
      `Gateway Lambda bundle (lambdas/handlers/gateway.ts bundled as SwitchboardFunction does: esbuild ESM, minify, node24, @aws-sdk/* and @smithy/* external)`,
      `  minified ${kib(b.bytes)} (${b.bytes} B), gzip ${kib(b.gzipBytes)}, source map ${kib(b.mapBytes)} beside it; bar: ≤ 360 KiB (DESIGN: 250) → ${b.bytes <= TARGETS.bundleBytes ? 'meets target' : 'MISSES target'}`,
      `  contents: ${b.byPackage.slice(0, 6).map((p) => `${p.name} ${kib(p.bytes)}`).join(', ')}`,
      `  imported from the runtime as it loads: ${b.externals.join(', ') || 'nothing'}; on first use only: ${b.lazyExternals.join(', ') || 'nothing'}`,
      '',
    );
  }
  if (r.coldStart?.length) {
    const bares = r.coldStart.flatMap((v) => v.bareAllMs);
    out.push(
      'Cold start: a fresh `node` loads the bundle and answers one API Gateway event (wall ms, spawn → exit; medians)',
      `  bare \`node -e 0\`: ${median(bares).toFixed(1)} ms (${bares.length} runs, interleaved with every variant's; min ${Math.min(...bares).toFixed(1)}, max ${Math.max(...bares).toFixed(1)})`,
      `  ${padEnd('variant', 34)}${pad('wall', 8)}${pad('× bare', 8)}${pad('node up', 9)}${pad('loaded', 8)}${pad('answered', 10)}${pad('failed', 9)}`,
    );
    for (const v of r.coldStart) {
      const mark = (n: number) => (Number.isNaN(n) ? '' : n.toFixed(0));
      out.push(
        `  ${padEnd(v.name, 34)}${pad(v.wallMs.toFixed(1), 8)}${pad(ratio(v.ratio), 8)}` +
          `${pad(mark(v.nodeReadyMs), 9)}${pad(mark(v.loadedMs), 8)}${pad(mark(v.answeredMs), 10)}${pad(`${v.failed}/${v.runs}`, 9)}`,
      );
      for (const f of v.failures) out.push(`    failure: ${f}`);
    }
    const worst = Math.max(...r.coldStart.filter((v) => v.route !== 'reference').map((v) => v.ratio));
    out.push(
      `  node up / loaded / answered: in-process marks, ms since the process started. DESIGN: ≤ 1.5× bare node → ${worst <= TARGETS.coldRatio ? 'meets target' : 'MISSES target'}`,
      '',
    );
  }
  if (r.tokenEstimate?.length) out.push(formatTokenEstimate(r.tokenEstimate, (r.options as { estimateRounds: number }).estimateRounds), '');
  if (r.guardrails) out.push(formatGuardrailBench(r.guardrails, (r.options as { guardrailRounds: number }).guardrailRounds), '');
  if (r.profiles) {
    for (const [name, p] of Object.entries(r.profiles)) if (p) out.push(formatProfile(`CPU profile of ${name}`, p), '');
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function formatResources(r: BenchResults): string[] {
  const per = (n: number | undefined, u: ResourceUse, digits = 2) => (n === undefined || u.requests === 0 ? '—' : (n / u.requests).toFixed(digits));
  const out = [
    `Gateway CPU and DynamoDB per request (CPU time of the gateway's process, every thread, ÷ requests sent; GROUP_COMMIT_MS=${r.groupCommitMs})`,
    `  ${padEnd('target', 13)}${padEnd('phase', 12)}${pad('CPU ms', 8)}${pad('dynalite ms', 13)}${pad('RCU', 7)}${pad('WCU', 7)}${pad('cond. fail', 12)}  DynamoDB calls per request`,
  ];
  for (const u of r.resources) {
    const d = u.dynamodb;
    const calls = d
      ? Object.entries(d.calls)
          .sort((a, b) => b[1] - a[1])
          .map(([c, n]) => `${c.replace(/Command$/, '')} ${(n / u.requests).toFixed(2)}${d.unreported[c] ? ` (${d.unreported[c]} without capacity)` : ''}`)
          .join(', ') || 'none'
      : '';
    out.push(
      `  ${padEnd(u.target, 13)}${padEnd(u.phase, 12)}${pad(per(u.cpuMs, u), 8)}${pad(per(u.storeCpuMs, u), 13)}` +
        `${pad(d ? per(d.readUnits, u) : '', 7)}${pad(d ? per(d.writeUnits, u) : '', 7)}${pad(d ? per(d.conditionFailures, u, 3) : '', 12)}  ${calls}`,
    );
  }
  const seq = r.resources.find((u) => u.target === 'switchboard' && u.phase === 'sequential');
  if (seq && seq.requests) {
    const cpu = seq.cpuMs / seq.requests;
    const at = (mb: number) => `${(cpu * (MB_PER_VCPU / mb)).toFixed(1)} ms at ${mb} MB`;
    out.push(
      `  RCU/WCU: capacity units the store reported (ReturnConsumedCapacity TOTAL); cond. fail: refused conditional writes, which DynamoDB charges (≥ 1 WCU) but reports no capacity for`,
      `  Lambda memory: CPU share ∝ memory (${MB_PER_VCPU.toLocaleString('en')} MB = 1 vCPU), so Switchboard's ${cpu.toFixed(2)} ms of CPU per sequential request takes ${at(256)}, ${at(512)}, ${at(1024)}, ${at(MB_PER_VCPU)}`,
      '  (an upper bound on the latency it adds: part of that CPU runs after the last byte — ledger and settlement writes — and this machine is not a Graviton core)',
    );
  }
  return out;
}
