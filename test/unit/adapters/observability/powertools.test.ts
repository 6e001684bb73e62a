// The Metrics port on Powertools: one EMF blob per dimension set, and no work at all when EMF is turned off.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PowertoolsMetricsAdapter } from '../../../../lambdas/adapters/observability/powertools';

function printed(run: () => void): string[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines.filter((l) => l.includes('_aws'));
}

describe('PowertoolsMetricsAdapter', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('prints one EMF blob per dimension set', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new PowertoolsMetricsAdapter();
    const blobs = printed(() => {
      metrics.add('Requests', 1, 'Count', { provider: 'mock' });
      metrics.add('LatencyMs', 12, 'Milliseconds', { provider: 'mock' });
      metrics.add('Fallbacks', 1, 'Count');
      metrics.flush();
    });
    expect(blobs).toHaveLength(2);
    const withProvider = JSON.parse(blobs.find((b) => b.includes('"provider"'))!) as Record<string, unknown>;
    expect(withProvider).toMatchObject({ provider: 'mock', Requests: 1, LatencyMs: 12 });
  });

  it('gathers and prints nothing when POWERTOOLS_METRICS_DISABLED is set, as npm start sets it', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const metrics = new PowertoolsMetricsAdapter();
    expect(printed(() => (metrics.add('Requests', 1, 'Count', { provider: 'mock' }), metrics.flush()))).toEqual([]);
  });

  it('writes a tenant as a field of the log line, not a dimension: no custom metric per tenant unless opted in', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new PowertoolsMetricsAdapter();
    const blobs = printed(() => {
      metrics.add('CostUsd', 0.25, 'None', { Tenant: 'acme' });
      metrics.add('CostUsd', 0.5, 'None', { Tenant: 'globex' });
      metrics.add('BudgetThresholdReached', 1, 'Count', { Tenant: 'acme', Threshold: '80' });
      metrics.flush();
    }).map((b) => JSON.parse(b) as { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> } } & Record<string, unknown>);
    expect(blobs).toHaveLength(3);
    for (const blob of blobs) {
      expect(blob._aws.CloudWatchMetrics[0]!.Dimensions.flat()).not.toContain('Tenant');
      expect(blob.Tenant).toMatch(/^(acme|globex)$/);
    }
    expect(blobs.find((b) => b.Tenant === 'globex')).toMatchObject({ CostUsd: 0.5 });
    expect(blobs.find((b) => 'BudgetThresholdReached' in b)!._aws.CloudWatchMetrics[0]!.Dimensions.flat()).toContain('Threshold');
  });

  it('publishes Tenant as a dimension with TENANT_METRICS=true (deploy setting tenantMetrics)', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('TENANT_METRICS', 'true');
    const metrics = new PowertoolsMetricsAdapter();
    const [blob] = printed(() => (metrics.add('CostUsd', 0.25, 'None', { Tenant: 'acme' }), metrics.flush())).map(
      (b) => JSON.parse(b) as { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> } },
    );
    expect(blob!._aws.CloudWatchMetrics[0]!.Dimensions.flat()).toContain('Tenant');
  });
});
