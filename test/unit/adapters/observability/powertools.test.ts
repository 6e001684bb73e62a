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
});
