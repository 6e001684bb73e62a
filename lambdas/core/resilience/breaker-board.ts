// Every circuit breaker of this instance, kept in step with the shared store: decisions are made in
// memory; the store is read when the cache is older than a second (at most one bounded round trip, and
// after a response rather than before one when traffic keeps it warm), a half-open probe needs a lease
// from the store (so many instances do not all probe at once), and outcomes and transitions are written
// after the response. Each transition is logged, measured and (open/close) alerted once, by the instance
// whose conditional write won.
import { boundedName } from '../bounded-name';
import type { GatewayConfig, ProviderConfig } from '../config/schema';
import { METRICS } from '../observability';
import type { AlertPublisher, BreakerStore, Clock, Logger, Metrics, ProviderHealth, SharedBreaker } from '../ports';
import { CircuitBreaker, type Admission, type BreakerPhase, type BreakerTransition } from './breaker';

/** the breaker cache is fresh this long */
export const BREAKER_CACHE_MS = 1_000;
/** window counts are written at most this often per breaker */
export const OUTCOME_FLUSH_MS = 1_000;
/** how long a request waits for the store before deciding on what it has */
const STORE_WAIT_MS = 150;
/** how long a would-be probe waits for its lease (once per cooldown per instance) */
const LEASE_WAIT_MS = 500;
/** a read that has not answered in this long is treated as lost (a Lambda frozen mid-call) */
const READ_STALE_MS = 2_000;
const STORE_CHECK_TIMEOUT_MS = 2_000;
/** breakers kept per instance, at most (per-model breakers of directly addressed models are the open end) */
export const MAX_BREAKERS = 1_000;
/** a model name in a breaker key (a DynamoDB key, which must stay under 2 KB) keeps at most this many characters */
const MODEL_KEY_CHARS = 256;
/** a health check older than this no longer says anything about a provider */
export const HEALTH_MAX_AGE_MS = 5 * 60_000;

export interface BreakerBoardDeps {
  /** absent: breakers are per instance only */
  store?: BreakerStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  alerts: AlertPublisher;
}

export interface BreakerEntry {
  readonly breaker: CircuitBreaker;
  readonly provider: string;
  readonly model?: string;
  /** named by the config (a provider, or an alias target of a perModel provider): kept for good, shown on /health */
  readonly configured: boolean;
  /** when the store was last read for this breaker */
  readAt: number;
  flushedAt: number;
  usedAt: number;
  /** another instance holds the probe lease: ask again after this */
  leaseDeniedUntil: number;
  /** a probe lease that was granted after the request that asked had moved on */
  leaseHeld?: { version: number; until: number };
  /** the pending transition already logged and alerted (the store was unreachable when it happened) */
  signalled?: number;
}

const PHASE_VALUE: Record<BreakerPhase, number> = { closed: 0, 'half-open': 1, open: 2 };

export class BreakerBoard {
  private readonly entries = new Map<string, BreakerEntry>();
  private reading: { keys: Set<string>; promise: Promise<void>; startedAt: number } | undefined;
  private syncing: Promise<void> | undefined;
  private storeCheck: { at: number; ok: Promise<boolean> } | undefined;
  /** the last health of each provider, from the store */
  readonly health = new Map<string, ProviderHealth>();
  /** false after a failed store call, true after a good one (to log an outage once) */
  private storeReachable = true;
  /** true while the constructor makes the breakers the config names */
  private configuring = true;

  constructor(
    private readonly config: GatewayConfig,
    private readonly deps: BreakerBoardDeps,
  ) {
    // every breaker the config can use, so /health and the first request know them all
    for (const p of config.providers) if (!p.breaker.perModel) this.entry(p, '');
    for (const m of config.models) for (const t of m.targets) this.entry(this.provider(t.provider), t.model);
    this.configuring = false;
  }

  /** Read every breaker and provider health now (at start, so the first request finds them cached). */
  warm(): void {
    if (this.deps.store) this.read([...this.entries.keys()], true).catch(() => undefined);
  }

  /**
   * The breaker that guards calls to this provider and model: the provider's, or (breaker.perModel) the model's.
   * A model the caller addressed directly (`direct`: provider/model, not an alias) always gets a breaker of its
   * own, so what one tenant's calls to a model of its choosing do (a model its key may not use, one that fails
   * on its requests) never opens the breaker the aliases of every tenant go through.
   */
  entry(provider: ProviderConfig, model: string, direct = false): BreakerEntry {
    const perModel = direct || provider.breaker.perModel;
    const key = perModel ? `${provider.id}/${boundedName(model, MODEL_KEY_CHARS)}` : provider.id;
    const found = this.entries.get(key);
    if (found) return found;
    const entry: BreakerEntry = {
      breaker: new CircuitBreaker(key, provider.breaker),
      provider: provider.id,
      model: perModel ? key.slice(provider.id.length + 1) : undefined,
      configured: this.configuring,
      readAt: 0,
      flushedAt: 0,
      usedAt: 0,
      leaseDeniedUntil: 0,
    };
    // breakers of models callers name are the open end: past the cap the least recently used idle one makes
    // room, and with none idle the call gets a breaker of its own that nothing shares (nor remembers)
    if (this.entries.size >= MAX_BREAKERS && !this.configuring && !this.evictIdle()) return entry;
    this.entries.set(key, entry);
    return entry;
  }

  /** forget the least recently used breaker the config does not name and that holds nothing (closed, nothing to write) */
  private evictIdle(): boolean {
    const now = this.deps.clock.now();
    let idle: BreakerEntry | undefined;
    for (const e of this.entries.values()) {
      if (e.configured || e.breaker.pending || e.leaseHeld || e.breaker.phase(now) !== 'closed') continue;
      if (!idle || e.usedAt < idle.usedAt) idle = e;
    }
    if (idle) this.entries.delete(idle.breaker.key);
    return idle !== undefined;
  }

  /** the breakers of one provider that the config names (one, or one per model): what /health reports */
  ofProvider(providerId: string): BreakerEntry[] {
    return [...this.entries.values()].filter((e) => e.provider === providerId && e.configured);
  }

  /** Bring these breakers up to date when their cache is older than a second; waits at most STORE_WAIT_MS. */
  async ensureFresh(entries: readonly BreakerEntry[]): Promise<void> {
    const now = this.deps.clock.now();
    for (const e of entries) e.usedAt = now;
    const stale = entries.filter((e) => now - e.readAt > BREAKER_CACHE_MS);
    if (!this.deps.store || stale.length === 0) return;
    await withTimeout(this.read(stale.map((e) => e.breaker.key)), STORE_WAIT_MS);
  }

  /**
   * May a call go to this breaker's target now? 'probe': a half-open probe, with the shared lease taken
   * (the caller reports its outcome with probe=true and calls endProbe).
   */
  async admit(entry: BreakerEntry, leaseMs: number): Promise<Admission> {
    const now = this.deps.clock.now();
    const admission = entry.breaker.admit(now);
    if (admission !== 'probe') return admission;
    entry.breaker.beginProbe();
    const { store, logger } = this.deps;
    let granted = true;
    if (entry.leaseHeld && entry.leaseHeld.until > now && entry.leaseHeld.version === entry.breaker.state.version) {
      entry.leaseHeld = undefined; // a lease granted after its asker had gone elsewhere: this call uses it
    } else if (entry.leaseDeniedUntil > now) {
      granted = false;
    } else if (store && !entry.breaker.pending) {
      // (a transition this instance has not written yet is unknown to the store: no lease to ask for)
      const version = entry.breaker.state.version;
      const until = now + leaseMs;
      const asked = store.acquireProbeLease(entry.breaker.key, version, entry.breaker.settings.halfOpenProbes, now, until).catch((err: unknown) => {
        // the store is down: probe anyway; every instance doing so once a cooldown is the bounded cost
        this.unreachable(err);
        return true;
      });
      const answer = await withTimeout(asked, LEASE_WAIT_MS);
      if (answer === undefined) {
        // slow store: do not probe blind (that is how herds start); keep a lease that arrives late for the next call
        void asked.then((late) => {
          if (!late) return;
          entry.leaseHeld = { version, until };
          entry.leaseDeniedUntil = 0;
        });
      }
      granted = answer === true;
    }
    if (!granted) {
      entry.breaker.endProbe();
      if (entry.leaseDeniedUntil <= now) entry.leaseDeniedUntil = now + Math.min(leaseMs, entry.breaker.settings.cooldownMs);
      return 'reject';
    }
    logger.info('breaker half-open: probing', { breaker: entry.breaker.key, provider: entry.provider, version: entry.breaker.state.version });
    this.deps.metrics.add(METRICS.breakerState, PHASE_VALUE['half-open'], 'None', { Provider: entry.provider });
    return 'probe';
  }

  /** After the response: read stale breakers, write window counts that are due, then pending transitions. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /**
   * Whether the store answers, from one read of every breaker and provider health made at most once per
   * `maxAgeMs` (GET /health: Route 53 probes it often, and it must stay cheap).
   */
  checkStore(maxAgeMs: number): Promise<boolean> {
    if (!this.deps.store) return Promise.resolve(true);
    const now = this.deps.clock.now();
    if (this.storeCheck && now - this.storeCheck.at < maxAgeMs) return this.storeCheck.ok;
    const ok = withTimeout(this.read([...this.entries.keys()], true).then(() => true), STORE_CHECK_TIMEOUT_MS, false).then((v) => v === true);
    this.storeCheck = { at: now, ok };
    return ok;
  }

  /** the last health check's result for a provider, when it is recent enough to count */
  lastHealth(providerId: string, now: number): ProviderHealth | undefined {
    const h = this.health.get(providerId);
    return h && now - h.checkedAt < HEALTH_MAX_AGE_MS ? h : undefined;
  }

  /** the provider's last health check (if recent) found it configured but failing */
  failedHealthCheck(providerId: string, now: number): boolean {
    const h = this.lastHealth(providerId, now);
    return h !== undefined && h.configured && !h.healthy;
  }

  /** take in health check results run by this process (the local server), without waiting for a read */
  noteHealth(results: readonly ProviderHealth[]): void {
    for (const r of results) this.health.set(r.providerId, r);
  }

  private async syncOnce(): Promise<void> {
    const { store } = this.deps;
    const now = this.deps.clock.now();
    if (store) {
      const stale = [...this.entries.values()].filter((e) => now - e.readAt > BREAKER_CACHE_MS && now - e.usedAt < 60_000);
      if (stale.length) await this.read(stale.map((e) => e.breaker.key)).catch(() => undefined);
    }
    for (const entry of this.entries.values()) {
      if (store && now - entry.flushedAt >= OUTCOME_FLUSH_MS) await this.flushOutcomes(entry, store, now);
      if (entry.breaker.pending) await this.writeTransition(entry);
    }
  }

  private async flushOutcomes(entry: BreakerEntry, store: BreakerStore, now: number): Promise<void> {
    const buckets = entry.breaker.drainOutcomes(now);
    if (!buckets.length) return;
    entry.flushedAt = now;
    try {
      const shared = await store.addOutcomes(entry.breaker.key, buckets, entry.breaker.bucketMs, now);
      this.adopt(entry, shared, now);
      this.storeReachable = true;
    } catch (err) {
      entry.breaker.restoreOutcomes(buckets, now);
      this.unreachable(err);
    }
  }

  private async writeTransition(entry: BreakerEntry): Promise<void> {
    const t = entry.breaker.pending!;
    const { store } = this.deps;
    if (!store) {
      entry.breaker.written(t);
      return this.signal(entry, t);
    }
    let won: boolean;
    try {
      won = await store.transition(entry.breaker.key, t.fromVersion, t.to, this.deps.clock.now());
      this.storeReachable = true;
    } catch (err) {
      // not shared, but still true here: say so once, and try the write again at the next sync
      this.unreachable(err);
      if (entry.signalled !== t.to.version) await this.signal(entry, t);
      entry.signalled = t.to.version;
      return;
    }
    if (won) {
      entry.breaker.written(t);
      if (entry.signalled !== t.to.version) await this.signal(entry, t);
      entry.signalled = undefined;
    } else {
      // another instance moved first: take its state (which drops ours)
      await this.read([entry.breaker.key]).catch(() => undefined);
    }
  }

  private read(keys: string[], withHealth = false): Promise<void> {
    const store = this.deps.store!;
    const now = this.deps.clock.now();
    const current = this.reading;
    if (current && now - current.startedAt < READ_STALE_MS && keys.every((k) => current.keys.has(k)) && !withHealth) return current.promise;
    const providerIds = this.config.providers.map((p) => p.id);
    const promise = store.read(keys, providerIds).then(
      ({ breakers, health }) => {
        this.storeReachable = true;
        const at = this.deps.clock.now();
        for (const key of keys) {
          const entry = this.entries.get(key);
          if (!entry) continue;
          entry.readAt = at;
          const shared = breakers.get(key);
          if (shared) this.adopt(entry, shared, at);
        }
        for (const [id, h] of health) this.health.set(id, h);
      },
      (err: unknown) => {
        // ask again after the cache period, not on every request while the store is down
        const at = this.deps.clock.now();
        for (const key of keys) {
          const entry = this.entries.get(key);
          if (entry) entry.readAt = at;
        }
        this.unreachable(err);
        throw err;
      },
    );
    const reading = { keys: new Set(keys), promise, startedAt: now };
    this.reading = reading;
    void promise.finally(() => {
      if (this.reading === reading) this.reading = undefined;
    }).catch(() => undefined);
    return promise;
  }

  private adopt(entry: BreakerEntry, shared: SharedBreaker, now: number): void {
    const before = entry.breaker.state;
    entry.breaker.adopt(shared, now);
    const after = entry.breaker.state;
    if (after.version !== before.version && !entry.breaker.pending) {
      this.deps.logger.debug('breaker state taken from the store', { breaker: entry.breaker.key, state: after.state, version: after.version });
    }
  }

  private async signal(entry: BreakerEntry, t: BreakerTransition): Promise<void> {
    const { logger, metrics, alerts } = this.deps;
    const attrs = {
      breaker: entry.breaker.key,
      provider: entry.provider,
      model: entry.model,
      version: t.to.version,
      reason: t.to.reason,
      calls: t.evidence.total,
      failures: t.evidence.failures,
      consecutive: t.evidence.consecutive,
      openUntil: t.to.openUntil ? new Date(t.to.openUntil).toISOString() : undefined,
    };
    const dims = { Provider: entry.provider };
    if (t.kind === 'closed') {
      logger.info('breaker closed', attrs);
      metrics.add(METRICS.breakerClosed, 1, 'Count', dims);
      metrics.add(METRICS.breakerState, PHASE_VALUE.closed, 'None', dims);
    } else {
      logger.warn(t.kind === 'opened' ? 'breaker opened' : 'breaker reopened', attrs);
      if (t.kind === 'opened') metrics.add(METRICS.breakerOpened, 1, 'Count', dims);
      metrics.add(METRICS.breakerState, PHASE_VALUE.open, 'None', dims);
    }
    if (t.kind === 'reopened') return;
    await alerts.publish({
      kind: t.kind === 'opened' ? 'breaker_opened' : 'breaker_closed',
      subject: `${entry.breaker.key} breaker ${t.kind}`,
      message:
        t.kind === 'opened'
          ? `Calls to ${entry.breaker.key} are paused until ${attrs.openUntil}: ${t.to.reason}. Requests go to the other targets meanwhile.`
          : `Calls to ${entry.breaker.key} resumed: a probe succeeded.`,
      attributes: { provider: entry.provider, breaker: entry.breaker.key },
    });
  }

  private unreachable(err: unknown): void {
    if (this.storeReachable) this.deps.logger.error('breaker store unreachable: breakers run on this instance alone', { error: (err as Error).message });
    this.storeReachable = false;
  }

  private provider(id: string): ProviderConfig {
    return this.config.providers.find((p) => p.id === id)!;
  }
}

/** the promise's value, or `fallback` (undefined) once `ms` passed; a late rejection is swallowed */
function withTimeout<T>(promise: Promise<T>, ms: number, fallback?: T): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T | undefined>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref?.();
  });
  return Promise.race([promise.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}
