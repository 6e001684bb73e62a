// The idle cost, derived from the synthesized templates (dashboards, alarms and the series their queries read,
// keys, secrets and replicas, Route 53 health checks, the scheduled check's runs), pinned to the cent and to
// the figures the README and docs/deploy.md show: a change that raises it fails here until the docs say so.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SwitchboardApp } from '../../lib/app';
import { loadDeployedGatewayConfig } from '../../lib/config/gateway-config';
import { alarmPrice, DEFAULT_REQUEST, gatewaySeconds, idleCost, perMillionRequests, type IdleCost, type StackTemplate } from '../../lib/cost/estimate';
import { MULTI_REGION_CONTEXT, synthApp, template, SYNTH_TIMEOUT_MS } from './synth';

function templatesOf(sb: SwitchboardApp): StackTemplate[] {
  return [sb.state, ...sb.services].map((s) => ({ region: s.region.startsWith('${Token') ? '' : s.region, template: template(s).toJSON() as StackTemplate['template'] }));
}

function idleOf(sb: SwitchboardApp): IdleCost {
  return idleCost(templatesOf(sb), loadDeployedGatewayConfig(sb.settings.gatewayConfig, sb.names).config);
}

let one: IdleCost;
let two: IdleCost;
beforeAll(() => {
  delete process.env.CDK_DEFAULT_REGION;
  one = idleOf(synthApp());
  two = idleOf(synthApp(MULTI_REGION_CONTEXT));
}, SYNTH_TIMEOUT_MS);

const line = (idle: IdleCost, region: string, item: RegExp) => idle.regions.find((r) => r.region === region)!.lines.filter((l) => item.test(l.item));
const docs = () => `${readFileSync('README.md', 'utf8')}\n${readFileSync('docs/deploy.md', 'utf8')}`;

describe('idle cost from the templates', () => {
  it('is at most $6 a month for one region, dashboards and alarms on, no free tier counted', () => {
    expect(one.usd).toBeLessThanOrEqual(6);
    expect(one.usd.toFixed(2)).toBe('5.93');
    expect(line(one, '', /^dashboard$/)[0]!.usd).toBe(3);
    expect(line(one, '', /^alarms$/)[0]!.arithmetic).toMatch(/^7 alarm metrics × \$0\.1 \+ 2 series/);
    expect(line(one, '', /^secret /)).toHaveLength(1);
    expect(line(one, '', /KMS/)).toHaveLength(0);
  });

  it('is at most $14 a month for two regions with failover', () => {
    expect(two.usd).toBeLessThanOrEqual(14);
    expect(two.usd.toFixed(2)).toBe('12.88');
    for (const region of ['us-east-1', 'eu-west-1']) {
      // one health check per region, on its alarm: Route 53 never calls the gateway
      expect(line(two, region, /^Route 53 health check/).map((l) => [l.item, l.usd])).toEqual([['Route 53 health check (CLOUDWATCH_METRIC)', 0.5]]);
      // the secret's replica is billed in the second region
      expect(line(two, region, /^secret /)).toHaveLength(1);
    }
  });

  it('is the figure the README and docs/deploy.md show', () => {
    const text = docs();
    // booleans: a failure must not print both files
    expect(text.includes(`$${one.usd.toFixed(2)}`), `$${one.usd.toFixed(2)} in the docs`).toBe(true);
    expect(text.includes(`$${two.usd.toFixed(2)}`), `$${two.usd.toFixed(2)} in the docs`).toBe(true);
  });

  it('prices an alarm by the metrics it reads; a Metrics Insights alarm by the series its query reads while idle', () => {
    expect(alarmPrice({ MetricName: 'Errors' }, 3)).toEqual({ standard: 1, insightsSeries: 0 });
    expect(alarmPrice({ Metrics: [{ Expression: 'SELECT MIN(ProviderHealthy) FROM Switchboard' }] }, 3)).toEqual({ standard: 0, insightsSeries: 3 });
    expect(alarmPrice({ Metrics: [{ Expression: 'SELECT SUM(BreakerOpened) FROM Switchboard' }] }, 3)).toEqual({ standard: 0, insightsSeries: 0 });
    expect(alarmPrice({ Metrics: [{ Expression: 'r0 + w0' }, { MetricStat: {} }, { MetricStat: {} }] }, 3)).toEqual({ standard: 2, insightsSeries: 0 });
  });
});

describe('a million requests at a 2 s upstream, as a function of memory', () => {
  it('bills the gateway its wall time: the upstream plus its own CPU, slower at less memory', () => {
    expect(gatewaySeconds({ ...DEFAULT_REQUEST, gatewayMemoryMb: 1769 })).toBeCloseTo(2 + (4.55 + 25) / 1000, 6);
    expect(gatewaySeconds({ ...DEFAULT_REQUEST, gatewayMemoryMb: 256 })).toBeCloseTo(2 + ((4.55 * 1769) / 256 + 25) / 1000, 6);
  });

  it('is the figure the docs show at the deployed memory (512 MB), and meets $12 only at 128 MB', () => {
    const at = (mb: number) => perMillionRequests({ ...DEFAULT_REQUEST, gatewayMemoryMb: mb }).usd;
    expect(at(512).toFixed(2)).toBe('21.87');
    expect(docs().includes(`$${at(512).toFixed(2)}`), `$${at(512).toFixed(2)} in the docs`).toBe(true);
    expect(at(256)).toBeGreaterThan(12);
    expect(at(128)).toBeLessThanOrEqual(12);
    expect([128, 256, 512, 1024].map(at)).toEqual([...[128, 256, 512, 1024].map(at)].sort((a, b) => a - b));
  });
});
