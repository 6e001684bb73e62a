// GET /metrics of the local server (`npm start` only; a deployed gateway's metrics are CloudWatch's): an
// in-process registry behind the Metrics port holding the same metrics, by the same names and dimensions, that
// the CloudWatch dashboard and alarms read (core/observability.ts METRICS, core/history/metrics.ts), in the
// Prometheus text format (version 0.0.4):
//   Count metrics and CostUsd       counters   switchboard_<name>_total{<dimension>="…"}
//   Milliseconds metrics            summaries  switchboard_<name>_ms{quantile="0.5|0.9|0.99"}, _sum, _count
//   BreakerState, *Healthy          gauges     switchboard_<name>{…} (the last value)
// Dimension names become lower-case label names (Provider → provider). Quantiles are over each series' last
// RESERVOIR observations.
import type { MetricUnit, Metrics } from '../core/ports';
import { METRICS } from '../core/observability';
import { METRICS_HISTORY } from '../core/history/metrics';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const PREFIX = 'switchboard_';
const RESERVOIR = 1_000;
const QUANTILES = [0.5, 0.9, 0.99];
/** metrics whose value is a state, not an amount */
const GAUGES = new Set<string>([METRICS.breakerState, METRICS.providerHealthy, METRICS.regionHealthy]);
/** the unit each known metric is emitted with (families are declared before their first sample) */
const KNOWN_UNITS: Record<string, MetricUnit> = {
  [METRICS.latency]: 'Milliseconds',
  [METRICS.timeToFirstByte]: 'Milliseconds',
  [METRICS.upstreamLatency]: 'Milliseconds',
  [METRICS.shadowLatency]: 'Milliseconds',
  [METRICS.costUsd]: 'None',
  [METRICS.shadowCostUsd]: 'None',
};

type Kind = 'counter' | 'summary' | 'gauge';

interface Family {
  name: string;
  kind: Kind;
  help: string;
  series: Map<string, Series>;
}

interface Series {
  labels: string;
  value: number;
  sum: number;
  count: number;
  recent: number[];
}

/** CamelCase metric name → snake_case Prometheus family name with its suffix */
export function familyName(metric: string, kind: Kind): string {
  const snake = metric.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
  return `${PREFIX}${snake}${kind === 'counter' ? '_total' : kind === 'summary' ? '_ms' : ''}`;
}

function kindOf(metric: string, unit: MetricUnit): Kind {
  if (GAUGES.has(metric)) return 'gauge';
  return unit === 'Milliseconds' ? 'summary' : 'counter';
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelsOf(dimensions: Record<string, string> | undefined): string {
  const entries = Object.entries(dimensions ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.map(([k, v]) => `${k.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase()}="${escapeLabel(v)}"`).join(',');
}

function number(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

export class PrometheusRegistry implements Metrics {
  private readonly families = new Map<string, Family>();

  constructor() {
    for (const metric of [...Object.values(METRICS), ...Object.values(METRICS_HISTORY)]) this.family(metric, KNOWN_UNITS[metric] ?? 'Count');
  }

  add(name: string, value: number, unit: MetricUnit, dimensions?: Record<string, string>): void {
    if (!Number.isFinite(value)) return;
    const family = this.family(name, unit);
    const labels = labelsOf(dimensions);
    let series = family.series.get(labels);
    if (!series) family.series.set(labels, (series = { labels, value: 0, sum: 0, count: 0, recent: [] }));
    if (family.kind === 'gauge') series.value = value;
    else if (family.kind === 'counter') series.value += value;
    else {
      series.sum += value;
      series.count += 1;
      series.recent.push(value);
      if (series.recent.length > RESERVOIR) series.recent.shift();
    }
  }

  flush(): void {}

  /** the registry in the text exposition format */
  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.kind}`);
      for (const s of f.series.values()) {
        const braces = (extra?: string) => {
          const all = [s.labels, extra].filter(Boolean).join(',');
          return all ? `{${all}}` : '';
        };
        if (f.kind !== 'summary') {
          out.push(`${f.name}${braces()} ${number(s.value)}`);
          continue;
        }
        const sorted = [...s.recent].sort((a, b) => a - b);
        for (const q of QUANTILES) out.push(`${f.name}${braces(`quantile="${q}"`)} ${number(sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN)}`);
        out.push(`${f.name}_sum${braces()} ${number(s.sum)}`, `${f.name}_count${braces()} ${number(s.count)}`);
      }
    }
    return `${out.join('\n')}\n`;
  }

  private family(metric: string, unit: MetricUnit): Family {
    let family = this.families.get(metric);
    if (!family) {
      const kind = kindOf(metric, unit);
      family = { name: familyName(metric, kind), kind, help: `Switchboard metric ${metric} (CloudWatch: ${metric}${unit === 'None' ? '' : `, ${unit}`})`, series: new Map() };
      this.families.set(metric, family);
    }
    return family;
  }
}

/** every point to both ports (the local server's own metrics, and the registry /metrics renders) */
export function teeMetrics(first: Metrics, second: Metrics): Metrics {
  return {
    add(name, value, unit, dimensions) {
      first.add(name, value, unit, dimensions);
      second.add(name, value, unit, dimensions);
    },
    async flush() {
      await Promise.all([first.flush(), second.flush()]);
    },
  };
}
