import { describe, expect, it } from 'vitest';
import { breakerSettings } from '../../../../lambdas/core/config/schema';
import { CircuitBreaker } from '../../../../lambdas/core/resilience/breaker';

const settings = (over: Record<string, unknown> = {}) => breakerSettings.parse({ windowMs: 10_000, cooldownMs: 1_000, ...over });

describe('CircuitBreaker', () => {
  it('opens after the configured number of consecutive failures, and a success resets the streak', () => {
    const b = new CircuitBreaker('p', settings({ consecutiveFailures: 3, minimumRequests: 100 }));
    b.onFailure(0, false, '500');
    b.onFailure(1, false, '500');
    b.onSuccess(2, false);
    b.onFailure(3, false, '500');
    b.onFailure(4, false, '500');
    expect(b.phase(5)).toBe('closed');
    b.onFailure(5, false, '500');
    expect(b.phase(6)).toBe('open');
    expect(b.pending).toMatchObject({ kind: 'opened', fromVersion: 0, to: { state: 'open', version: 1, openUntil: 1_005 } });
  });

  it('opens on the failure rate over the window only once the minimum number of calls is in it', () => {
    const b = new CircuitBreaker('p', settings({ failureRateThreshold: 0.5, minimumRequests: 6, consecutiveFailures: 100 }));
    for (let i = 0; i < 5; i++) i % 2 ? b.onSuccess(i, false) : b.onFailure(i, false, '503');
    expect(b.phase(10)).toBe('closed'); // 3 of 5 failed, but 5 < minimumRequests
    b.onFailure(11, false, '503');
    expect(b.phase(12)).toBe('open');
  });

  it('forgets failures that slid out of the window', () => {
    const b = new CircuitBreaker('p', settings({ failureRateThreshold: 0.5, minimumRequests: 4, consecutiveFailures: 100 }));
    b.onFailure(0, false, '500');
    b.onFailure(1, false, '500');
    b.onFailure(2, false, '500');
    b.onSuccess(20_000, false);
    b.onFailure(20_001, false, '500');
    expect(b.window(20_002)).toEqual({ total: 2, failures: 1 });
    expect(b.phase(20_002)).toBe('closed');
  });

  it('rejects while open, lets a bounded number of probes through once the cooldown ends, and closes on a probe success', () => {
    const b = new CircuitBreaker('p', settings({ consecutiveFailures: 1, halfOpenProbes: 1 }));
    b.onFailure(0, false, '500');
    b.written(b.pending!);
    expect(b.admit(500)).toBe('reject');
    expect(b.phase(1_000)).toBe('half-open');
    expect(b.admit(1_000)).toBe('probe');
    b.beginProbe();
    expect(b.admit(1_001)).toBe('reject');
    b.onSuccess(1_002, true);
    b.endProbe();
    expect(b.phase(1_003)).toBe('closed');
    expect(b.pending).toMatchObject({ kind: 'closed', fromVersion: 1, to: { state: 'closed', version: 2 } });
  });

  it('reopens with a fresh cooldown when a probe fails, and ignores calls that started before it opened', () => {
    const b = new CircuitBreaker('p', settings({ consecutiveFailures: 1 }));
    b.onFailure(0, false, '500');
    b.written(b.pending!);
    b.onSuccess(10, false); // in flight when it opened: says nothing
    expect(b.phase(10)).toBe('open');
    b.onFailure(1_500, true, '500');
    expect(b.pending).toMatchObject({ kind: 'reopened', fromVersion: 1, to: { version: 2, openUntil: 2_500 } });
    expect(b.admit(2_000)).toBe('reject');
  });

  it('folds transitions not yet written into one write from the stored version', () => {
    const b = new CircuitBreaker('p', settings({ consecutiveFailures: 1 }));
    b.onFailure(0, false, '500');
    b.onFailure(1_000, true, '500'); // probe failed before the first write
    expect(b.pending).toMatchObject({ kind: 'opened', fromVersion: 0, to: { version: 1, openUntil: 2_000 } });
  });

  it('takes a newer shared state over its own, including over a pending transition', () => {
    const b = new CircuitBreaker('p', settings({ consecutiveFailures: 1 }));
    b.onFailure(0, false, '500');
    expect(b.pending).toBeDefined();
    b.adopt({ state: 'open', version: 1, since: 0, openUntil: 5_000, reason: 'another instance', buckets: [] }, 10);
    expect(b.pending).toBeUndefined();
    expect(b.state).toMatchObject({ version: 1, openUntil: 5_000 });
    b.adopt({ state: 'closed', version: 2, since: 3_000, buckets: [] }, 3_001);
    expect(b.phase(3_001)).toBe('closed');
    // an older read changes nothing
    b.adopt({ state: 'open', version: 1, since: 0, openUntil: 9_000, buckets: [] }, 3_002);
    expect(b.phase(3_002)).toBe('closed');
  });

  it('opens on the failure rate across instances from the shared window counts', () => {
    const b = new CircuitBreaker('p', settings({ failureRateThreshold: 0.5, minimumRequests: 10, consecutiveFailures: 100 }));
    b.onFailure(1_000, false, '500');
    b.adopt({ state: 'closed', version: 0, since: 0, buckets: [{ start: 0, total: 10, failures: 6 }] }, 1_001);
    expect(b.phase(1_002)).toBe('open');
    expect(b.pending?.evidence).toMatchObject({ total: 11, failures: 7 });
  });

  it('drains unwritten outcomes for the store and keeps them when the write failed', () => {
    const b = new CircuitBreaker('p', settings({ consecutiveFailures: 100, minimumRequests: 100 }));
    b.onFailure(1_000, false, '500');
    b.onSuccess(1_001, false);
    const drained = b.drainOutcomes(1_002);
    expect(drained).toEqual([{ start: 1_000, total: 2, failures: 1 }]);
    expect(b.window(1_002)).toEqual({ total: 0, failures: 0 });
    b.restoreOutcomes(drained, 1_003);
    expect(b.window(1_003)).toEqual({ total: 2, failures: 1 });
  });

  it('keeps a transition made while the previous one was being written pending, from the version written', () => {
    const b = new CircuitBreaker('p', settings({ consecutiveFailures: 1 }));
    b.onFailure(0, false, '500');
    const first = b.pending!;
    b.onFailure(1_000, true, '500'); // a probe failed before the write of the open state returned
    b.written(first);
    expect(b.pending).toMatchObject({ kind: 'reopened', fromVersion: 1, to: { version: 2, openUntil: 2_000 } });
    expect(b.state.version).toBe(2);
  });
});
