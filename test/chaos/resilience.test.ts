// The "done when" bounds, each against a real local gateway and fake providers on loopback that
// fail one way, called with the official OpenAI client. Assertions are on counts and ordering; the one
// time bound (the hanging primary's p50) is the point of its scenario and is generous.
import { describe, expect, it } from 'vitest';
import { runScenario, SCENARIOS } from './scenarios';

describe('chaos: the gateway keeps serving through provider faults', () => {
  it('primary down, healthy backup: 300 of 300 served; after its breaker opens the dead provider gets at most 10%', async () => {
    const r = await runScenario(SCENARIOS.primaryDown);
    expect(r.served).toBe(300);
    expect(r.callsAfterOpen).toBeDefined();
    expect(r.callsAfterOpen!).toBeLessThanOrEqual(30);
    // before it opened: the default breaker opens on 5 consecutive failures, plus what was in flight
    expect(r.primaryCalls - r.callsAfterOpen!).toBeLessThanOrEqual(5 + SCENARIOS.primaryDown.concurrency);
    const opened = r.logs.filter((l) => l.message === 'breaker opened');
    expect(opened).toHaveLength(1);
    expect(r.logs.some((l) => l.message === 'fallback' && l.attributes?.from === 'primary' && l.attributes?.to === 'backup')).toBe(true);
  });

  it('a single target failing every other call: at least 95 of 100 served through retries', async () => {
    const r = await runScenario(SCENARIOS.flaky);
    expect(r.served).toBeGreaterThanOrEqual(95);
    expect(r.silentPartial).toBe(0);
    expect(r.attemptsPerRequest).toBeGreaterThan(1);
    expect(r.logs.filter((l) => l.message === 'retry').length).toBeGreaterThanOrEqual(r.served - 50);
  });

  it('a hanging primary with a 500 ms timeout: every request served by the backup, p50 under 900 ms', async () => {
    const r = await runScenario(SCENARIOS.hang);
    expect(r.served).toBe(SCENARIOS.hang.requests);
    expect(r.p50).toBeLessThan(900);
    expect(r.logs.some((l) => l.message === 'provider attempt failed' && l.attributes?.code === 'timeout')).toBe(true);
  });

  it('a primary answering 429 with Retry-After: 5: served by the backup, and not called again inside the window', async () => {
    const r = await runScenario(SCENARIOS.throttled);
    expect(r.served).toBe(SCENARIOS.throttled.requests);
    expect(r.callsInThrottleWindow).toBe(0);
    if (r.durationMs < 5_000) expect(r.primaryCalls).toBe(1);
    // a throttle is not a breaker failure
    expect(r.logs.some((l) => l.message === 'breaker opened')).toBe(false);
  });

  it('a stream cut after its first chunk (the role preamble) reaches the client whole from the backup', async () => {
    const r = await runScenario(SCENARIOS.streamCutPreamble);
    expect(r.served).toBe(SCENARIOS.streamCutPreamble.requests);
    expect(r.silentPartial).toBe(0);
  });

  it('a stream cut after its first content chunk ends in an error the OpenAI SDK raises, never a silent partial answer', async () => {
    const r = await runScenario(SCENARIOS.streamCutContent);
    expect(r.silentPartial).toBe(0);
    expect(r.visibleErrors).toBeGreaterThan(0);
    expect(r.served + r.visibleErrors).toBe(SCENARIOS.streamCutContent.requests);
    // mid-stream failures count against the breaker: once open, streams go to the backup and arrive whole
    expect(r.logs.some((l) => l.message === 'breaker opened')).toBe(true);
    expect(r.served).toBeGreaterThan(0);
  });

  it('connection resets and malformed JSON fall over to the backup', async () => {
    for (const scenario of [SCENARIOS.reset, SCENARIOS.malformed]) {
      const r = await runScenario({ ...scenario, requests: 40 });
      expect(r.served, scenario.name).toBe(40);
      expect(r.callsAfterOpen, scenario.name).toBeDefined();
    }
  });
});
