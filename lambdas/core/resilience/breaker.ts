// The circuit breaker of one provider (or provider+model): a pure state machine over a clock the caller
// passes in. Closed → open on a failure rate over a rolling window with a minimum of calls, or on
// consecutive failures; open → half-open once the cooldown ends (derived from time, nothing is written);
// half-open → closed when a probe succeeds, → open again (a fresh cooldown) when it fails.
//
// Instances share the breaker through a store: every state carries a version, a local transition is
// pending until it is written with a condition on the version it started from, and a newer version read
// from the store replaces the local one. Window counts are this instance's unwritten outcomes plus the
// shared counts as last read.
import type { BreakerSettings } from '../config/schema';
import type { BreakerRecord, SharedBreaker, WindowBucket } from '../ports';
import { RollingWindow } from './rolling-window';

export type BreakerPhase = 'closed' | 'open' | 'half-open';

export interface BreakerTransition {
  kind: 'opened' | 'closed' | 'reopened';
  /** the version the store holds, which the write is conditioned on */
  fromVersion: number;
  to: BreakerRecord;
  evidence: { total: number; failures: number; consecutive: number };
}

export type Admission = 'allow' | 'probe' | 'reject';

export class CircuitBreaker {
  private record: BreakerRecord = { state: 'closed', version: 0, since: 0 };
  /** the state the store held when the pending transition started */
  private stored: BreakerRecord = this.record;
  private consecutive = 0;
  private readonly local: RollingWindow;
  private shared: WindowBucket[] = [];
  private probesInFlight = 0;
  pending: BreakerTransition | undefined;

  constructor(
    readonly key: string,
    readonly settings: BreakerSettings,
  ) {
    this.local = new RollingWindow(settings.windowMs);
  }

  /** the size of one window bucket, as the store's slots are cut */
  get bucketMs(): number {
    return this.local.bucketMs;
  }

  get state(): BreakerRecord {
    return this.record;
  }

  phase(now: number): BreakerPhase {
    if (this.record.state === 'closed') return 'closed';
    return now >= (this.record.openUntil ?? 0) ? 'half-open' : 'open';
  }

  /** when this breaker lets calls through again (now, when closed) */
  availableAt(now: number): number {
    return this.record.state === 'closed' ? now : (this.record.openUntil ?? now);
  }

  /** 'probe': half-open with a probe slot free here; the caller still needs the shared probe lease */
  admit(now: number): Admission {
    const phase = this.phase(now);
    if (phase === 'closed') return 'allow';
    if (phase === 'half-open' && this.probesInFlight < this.settings.halfOpenProbes) return 'probe';
    return 'reject';
  }

  beginProbe(): void {
    this.probesInFlight++;
  }

  endProbe(): void {
    this.probesInFlight = Math.max(0, this.probesInFlight - 1);
  }

  /** `probe`: the call was let through an open breaker (a half-open probe, or forced when all were open) */
  onSuccess(now: number, probe: boolean): void {
    if (this.record.state === 'open') {
      // a call started before the breaker opened says nothing about the provider now
      if (probe) this.move(now, { state: 'closed', version: 0, since: now });
      return;
    }
    this.consecutive = 0;
    this.local.add(now, 1, 0);
  }

  onFailure(now: number, probe: boolean, reason: string): void {
    if (this.record.state === 'open') {
      if (probe) this.move(now, this.opened(now, reason));
      return;
    }
    this.consecutive++;
    this.local.add(now, 1, 1);
    this.evaluate(now, reason);
  }

  /** the counts the window holds now: shared (as last read) plus this instance's unwritten ones */
  window(now: number): { total: number; failures: number } {
    const { total, failures } = this.local.sum(now);
    const oldest = this.local.oldestStart(now);
    let t = total;
    let f = failures;
    for (const b of this.shared) {
      if (b.start < oldest || b.start < this.record.since) continue;
      t += b.total;
      f += b.failures;
    }
    return { total: t, failures: f };
  }

  /** Take in what the store holds. A newer version wins over local state, including a pending transition. */
  adopt(shared: SharedBreaker, now: number): void {
    const base = this.pending ? this.pending.fromVersion : this.record.version;
    if (shared.version > base || (!this.pending && shared.version === base)) {
      const changed = shared.version !== this.record.version || shared.state !== this.record.state;
      this.pending = undefined;
      this.record = this.stored = { state: shared.state, version: shared.version, since: shared.since, openUntil: shared.openUntil, reason: shared.reason };
      if (changed) {
        this.consecutive = 0;
        this.local.clear();
      }
    }
    this.shared = shared.buckets;
    if (this.record.state === 'closed') this.evaluate(now, 'failure rate across instances');
  }

  /**
   * Transition `t` was written: it is the stored state now. A transition made here while the write was on
   * its way stays pending, from the version just written.
   */
  written(t: BreakerTransition): void {
    this.stored = t.to;
    if (this.pending === t) {
      this.pending = undefined;
      return;
    }
    if (!this.pending) return;
    const next = { ...this.pending.to, version: t.to.version + 1 };
    this.record = next;
    this.pending = next.state === 'closed' && t.to.state === 'closed' ? undefined : { ...this.pending, kind: this.kindOf(next), fromVersion: t.to.version, to: next };
    if (!this.pending) this.record = t.to;
  }

  drainOutcomes(now: number): WindowBucket[] {
    return this.record.state === 'closed' ? this.local.drain(now) : [];
  }

  restoreOutcomes(buckets: WindowBucket[], now: number): void {
    this.local.restore(buckets, now);
  }

  private evaluate(now: number, reason: string): void {
    const s = this.settings;
    const { total, failures } = this.window(now);
    const byRate = total >= s.minimumRequests && failures / total >= s.failureRateThreshold;
    const byStreak = this.consecutive >= s.consecutiveFailures;
    if (!byRate && !byStreak) return;
    const why = byStreak ? `${this.consecutive} consecutive failures (last: ${reason})` : `${failures} of ${total} calls failed in ${s.windowMs} ms (last: ${reason})`;
    this.move(now, this.opened(now, why));
  }

  /** what moving from the stored state to `next` is */
  private kindOf(next: BreakerRecord): BreakerTransition['kind'] {
    if (this.stored.state === 'closed') return 'opened';
    return next.state === 'closed' ? 'closed' : 'reopened';
  }

  private opened(now: number, reason: string): BreakerRecord {
    return { state: 'open', version: 0, since: now, openUntil: now + this.settings.cooldownMs, reason };
  }

  /** Move to `to`; a transition stays pending (one write, from the stored version) until written. */
  private move(now: number, to: BreakerRecord): void {
    const evidence = { ...this.window(now), consecutive: this.consecutive };
    const fromVersion = this.stored.version;
    const next = { ...to, version: fromVersion + 1 };
    this.record = next;
    this.consecutive = 0;
    this.local.clear();
    this.shared = [];
    if (this.stored.state === 'closed' && next.state === 'closed') {
      // opened and closed again before anything was written: the store already says closed
      this.record = this.stored;
      this.pending = undefined;
      return;
    }
    this.pending = { kind: this.kindOf(next), fromVersion, to: next, evidence };
  }
}
