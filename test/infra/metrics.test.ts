// Every gateway metric the dashboard and the alarms read is emitted somewhere in lambdas/: a widget or an
// alarm on a metric nothing emits shows no data (TimeToFirstByte and CacheHits did), or never fires.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../lambdas/core/observability';
import type { SwitchboardApp } from '../../lib/app';
import { synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

let sb: SwitchboardApp;
beforeAll(() => {
  // a named deployment: its namespace is Switchboard/<name>
  sb = synthApp({ name: 'metrics' });
}, SYNTH_TIMEOUT_MS);

/** the gateway metric names a template reads, from alarms and dashboard bodies */
function metricsRead(tpl: Record<string, unknown>, namespace: string): Set<string> {
  const names = new Set<string>();
  // alarms (and anything else) that name a metric of the namespace
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.Namespace === namespace && typeof o.MetricName === 'string') names.add(o.MetricName);
    Object.values(o).forEach(visit);
  };
  visit(tpl);
  // Metrics Insights queries and dashboard SEARCH expressions, however deep in escaped JSON they sit
  const ns = namespace.replace('/', '\\/');
  const text = JSON.stringify(tpl).replace(/\\+"/g, '"');
  for (const m of text.matchAll(new RegExp(`SELECT [A-Z]+\\((\\w+)\\) FROM "?${ns}"?`, 'g'))) names.add(m[1]!);
  for (const m of text.matchAll(new RegExp(`\\{${ns}[^}]*\\} MetricName="(\\w+)"`, 'g'))) names.add(m[1]!);
  // the cost-by-tenant table reads the metric's field from the EMF log lines
  for (const m of text.matchAll(/stats sum\((\w+)\)/g)) names.add(m[1]!);
  return names;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** METRICS keys some code in lambdas/ passes to a Metrics port's add() */
function emittedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of sources('lambdas')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\.add\(\s*METRICS\.(\w+)\b/g)) keys.add(m[1]!);
  }
  return keys;
}

describe('metrics the dashboard and alarms read', () => {
  it('are all emitted somewhere in lambdas/', () => {
    const namespace = sb.names.metricNamespace;
    expect(namespace).toBe('Switchboard/metrics');
    const read = metricsRead(template(sb.services[0]!).toJSON(), namespace);
    // what the dashboard and alarms are known to read, so this test cannot pass on an empty set
    expect([...read]).toEqual(expect.arrayContaining(['TimeToFirstByte', 'RegionHealthy', 'ProviderHealthy', 'BreakerOpened', 'CostUsd', 'Errors']));
    const emitted = emittedKeys();
    const byName = new Map(Object.entries(METRICS).map(([key, name]) => [name as string, key]));
    const missing = [...read].filter((name) => !byName.has(name) || !emitted.has(byName.get(name)!));
    expect(missing).toEqual([]);
  });

  it('include the cache widget, whose CacheHits and CacheMisses the response cache emits', () => {
    expect(emittedKeys().has('cacheHits')).toBe(true);
    expect(emittedKeys().has('cacheMisses')).toBe(true);
    const read = metricsRead(template(sb.services[0]!).toJSON(), sb.names.metricNamespace);
    expect(read.has(METRICS.cacheHits) && read.has(METRICS.cacheMisses)).toBe(true);
  });
});
