// Budgets: a tenant's day and month each keep a committed total in their ledger item, and a call is admitted
// only against room that a conditional write set aside first. Instances hold that room as budget leases.
//
// Per period item:  committed = settled + Σ over open leases of max(0, granted − used)
//   - opening a lease of g is one UpdateItem `ADD committed :g IF committed <= limit − g` (fails closed); an
//     instance whose lease runs short grows it the same way (a top-up, exactly once by its count `#L.t`), so
//     a lease's small leftover is never stranded beside a second lease;
//   - a call reserves its worst case (input estimate and max output at the dearest target's price) from a
//     lease this instance holds, locally, and gives back the difference when it settles;
//   - settlements are written as batches under their lease, each an UpdateItem conditioned on the lease's
//     sequence number (`#L.s = :prev`), so an SDK retry of an applied batch cannot count it twice; the batch
//     adds the cost to settled and any overdraft (a call that cost more than its worst case) to committed;
//   - the last batch of a drained lease removes it and gives its unused grant back to committed.
// So settled ≤ committed ≤ limit + overdrafts: calls whose worst case was right never spend past the budget.
// A lease left by a crashed instance expires; the sweep (reconcile.ts) releases it once, conditioned on the
// same sequence number. Far from the limit a lease covers about a horizon of this instance's worst cases, so
// most calls reserve with no round trip; near it leases shrink to one call's worst case (a per-request
// reservation), and a refusal comes from a failed ask for exactly that worst case.
//
// Several regions (global tables, last writer wins per item): each region has its own period item and writes
// only that one, so replication never drops an ADD; the period's totals are the sum over regions. A grant (open
// or top-up) is conditioned on `committed here <= limit − g − E`, E being the other regions' committed totals as
// this instance last read them, and reads them again in the same round trip (a Query on this region's replica,
// in parallel with the write). If the fresh E shows the regions together past the limit, the grant is given back
// at once (a close, or a negative top-up) and the calls go on to exact asks, made against the fresh E (so a
// refusal never rests on an E older than one round trip). After its last grant a region's committed total only
// falls (closes, sweeps) or grows by overdrafts, so, taking the region that granted last, with R the other
// regions' grants that had not reached its replica when that grant read E,
//     Σ over regions of committed <= limit + R (+ overdrafts):
// no region passes the limit by what it can see, and what it cannot see is what the others granted within the
// replication lag and the round trip (typically under a second). Far from the limit the room exceeds R and
// nothing is passed; near it every grant is one call's worst case, so the overshoot is at most the worst cases
// of the calls other regions admitted within that lag — none while one region serves at a time (failover), a
// few calls while a failover switches or two busy regions reach the limit in the same second; in the worst
// burst each other region's view of the room. With one region E is 0 and nothing is read: behaviour and round
// trips are as above.
import { randomBytes } from 'node:crypto';
import { METRICS } from '../observability';
import { boundedName } from '../bounded-name';
import { StoreRejectedWrite, type AlertPublisher, type BudgetPeriod, type Clock, type CostLedger, type LeaseFlush, type Logger, type Metrics, type OtherRegionsPeriod, type UsageTotals } from '../ports';
import { formatUsd } from '../pricing/cost';
import { Demand, type LeaseTuning } from './quota-lease';

export interface BudgetTuning extends LeaseTuning {
  /** a lease admits new calls for this long… */
  admitMs: number;
  /** …and is written to until this much later (the request timeout and a margin), then it is the sweep's */
  settleMs: number;
  /**
   * A settlement waits this long before its lease writes, so the settlements of calls that end soon after
   * share that write (group commit). 0 in Lambda, where an instance serves one call at a time; a few ms in a
   * process that serves many (the local server).
   */
  groupCommitMs?: number;
}

/** What one settled call adds to its periods. */
export interface Settlement {
  costNanoUsd: number;
  /** what the operator bore for the request beside it (retried failures, hedge losers): recorded, never budgeted here */
  operatorCostNanoUsd?: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  provider: string;
  /** provider/model */
  model: string;
  /** the route (front door) the request came through */
  route?: string;
  /** answered from the response cache, saving this much (its original cost less what the hit was charged) */
  cacheSavedNanoUsd?: number;
}

export const ALERT_PERCENTS = [80, 90, 100] as const;
/** an uncertain write (timeout, conflict) is resolved by reading the lease and tried again at most this often */
const WRITE_TRIES = 3;

class Lease {
  topUps = 0;
  /** settled under it, as far as written */
  storedUsed = 0;
  seq = 0;
  /** settled under it, written or pending */
  used = 0;
  /** worst cases of calls admitted under it and not yet settled */
  inFlight = 0;
  holds = 0;
  pending: Settlement[] = [];
  /** the last write queued for it: batches and top-ups go one at a time */
  tail: Promise<unknown> = Promise.resolve();
  next: Promise<void> | undefined;
  /** a batch whose write failed in a way that leaves its outcome unknown: resent as it was before any other */
  uncertain: { flush: LeaseFlush; batch: Settlement[] } | undefined;
  closed = false;

  constructor(
    readonly id: string,
    public granted: number,
    /** its marker exists on the period item */
    public stored: boolean,
    public admitUntil: number,
    readonly expiresAt: number,
  ) {}

  get available(): number {
    return Math.max(0, this.granted - this.used - this.inFlight);
  }
}

interface Waiter {
  worst: number;
  resolve(hold: BudgetHold | undefined): void;
  reject(err: unknown): void;
}

class PeriodState {
  active: Lease | undefined;
  readonly open = new Set<Lease>();
  readonly waiters: Waiter[] = [];
  opening = false;
  limit: number | undefined;
  /** this region's committed total after the last grant */
  knownCommitted: number | undefined;
  /** the other regions' totals as last read (refreshed with every grant); undefined with one region */
  elsewhere: OtherRegionsPeriod | undefined;
  readonly alerted = new Set<number>();

  constructor(
    readonly period: BudgetPeriod,
    /** worst cases reserved here lately */
    readonly demand: Demand,
  ) {}
}

/** A call's claim on one period: settle it or release it, once. */
export interface BudgetHold {
  readonly state: PeriodState;
  readonly lease: Lease;
  readonly worst: number;
}

export interface BudgetDeps {
  ledger: CostLedger;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  alerts: AlertPublisher;
}

export class Budgets {
  readonly #deps: BudgetDeps;
  readonly #tuning: BudgetTuning;

  readonly #periods = new Map<string, PeriodState>();
  /** lease closes started outside a settlement; every settle and release waits for them (Lambda freezes after) */
  readonly #background = new Set<Promise<unknown>>();

  constructor(
    deps: BudgetDeps,
    tuning: BudgetTuning,
  ) {
    this.#deps = deps;
    this.#tuning = tuning;
  }

  /** Set aside `worst` nano-USD of the period's budget (no limit: just a settlement channel). undefined: no room. */
  reserve(period: BudgetPeriod, limit: number | undefined, worst: number): Promise<BudgetHold | undefined> {
    const state = this.#state(period);
    state.limit = limit;
    if (limit === undefined) return Promise.resolve(this.#hold(state, this.#channel(state), 0));
    if (worst > limit) return Promise.resolve(undefined);
    if (state.waiters.length === 0) {
      const lease = this.#admitting(state);
      if (lease && lease.available >= worst) return Promise.resolve(this.#hold(state, lease, worst));
    }
    return new Promise((resolve, reject) => {
      state.waiters.push({ worst, resolve, reject });
      if (!state.opening) void this.#openLeases(state);
    });
  }

  /** The call is over and cost this much: record it under its lease, exactly once. */
  async settle(hold: BudgetHold, s: Settlement): Promise<void> {
    const { lease } = hold;
    lease.holds--;
    lease.inFlight -= hold.worst;
    lease.used += s.costNanoUsd;
    lease.pending.push(s);
    // a call that cost more than its worst case overdrew the lease: it admits no more and is not grown
    if (lease.granted > 0 && lease.used > lease.granted) this.#retire(hold.state, lease);
    await Promise.all([this.#flush(hold.state, lease), this.#settled()]);
  }

  /** The call was not made or cost nothing: give its worst case back to the lease. */
  async release(hold: BudgetHold): Promise<void> {
    hold.lease.holds--;
    hold.lease.inFlight -= hold.worst;
    await Promise.all([this.#closeIfDone(hold.state, hold.lease), this.#settled()]);
  }

  /** Record a cost nothing reserved (it may overdraw the budget), through a settlement channel of its own. */
  async charge(period: BudgetPeriod, s: Settlement): Promise<void> {
    const state = this.#state(period);
    await Promise.all([this.#reroute(state, [s]), this.#settled()]);
  }

  /** Stop admitting under every lease and close the drained ones, giving their unused grants back (shutdown). */
  async closeAll(): Promise<void> {
    for (const state of this.#periods.values()) for (const lease of [...state.open]) this.#retire(state, lease);
    await this.#settled();
  }

  #state(period: BudgetPeriod): PeriodState {
    const id = `${period.tenantId}|${period.kind}|${period.name}`;
    let state = this.#periods.get(id);
    if (!state) {
      // forget periods that are over and hold nothing
      for (const [key, s] of this.#periods) {
        if (s.period.tenantId === period.tenantId && s.period.kind === period.kind && s.open.size === 0) this.#periods.delete(key);
      }
      state = new PeriodState(period, new Demand(this.#tuning));
      this.#periods.set(id, state);
    }
    return state;
  }

  #hold(state: PeriodState, lease: Lease, worst: number): BudgetHold {
    lease.holds++;
    lease.inFlight += worst;
    state.demand.add(worst, this.#deps.clock.now());
    return { state, lease, worst };
  }

  /** the lease new calls may use, if it still admits; one that stopped admitting is closed once drained */
  #admitting(state: PeriodState): Lease | undefined {
    const lease = state.active;
    if (lease && lease.admitUntil > this.#deps.clock.now()) return lease;
    if (lease) this.#retire(state, lease);
    return undefined;
  }

  /** a period without a limit settles through a lease that holds no grant, written first by its first batch */
  #channel(state: PeriodState): Lease {
    const existing = this.#admitting(state);
    if (existing && existing.granted === 0) return existing;
    return this.#activate(state, this.#newLease(0, false));
  }

  #newLease(granted: number, stored: boolean): Lease {
    const now = this.#deps.clock.now();
    return new Lease(randomBytes(9).toString('base64url'), granted, stored, now + this.#tuning.admitMs, now + this.#tuning.admitMs + this.#tuning.settleMs);
  }

  #activate(state: PeriodState, lease: Lease): Lease {
    if (state.active && state.active !== lease) this.#retire(state, state.active);
    state.active = lease;
    state.open.add(lease);
    return lease;
  }

  #retire(state: PeriodState, lease: Lease): void {
    lease.admitUntil = Math.min(lease.admitUntil, this.#deps.clock.now());
    if (state.active === lease) state.active = undefined;
    this.#track(this.#closeIfDone(state, lease));
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((err) => this.#deps.logger.error('budget lease close failed', { error: (err as Error).message }));
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  async #settled(): Promise<void> {
    await Promise.all([...this.#background]);
  }

  async #openLeases(state: PeriodState): Promise<void> {
    state.opening = true;
    try {
      while (this.#serveWaiters(state)) {
        const active = this.#growable(state);
        const need = state.waiters.reduce((sum, w) => sum + w.worst, 0) - (active?.available ?? 0);
        const ask = need + this.#extra(state, need);
        if (active ? await this.#enqueue(active, () => this.#grow(state, active, ask)) : this.#activateIf(state, await this.#open(state, ask))) continue;
        await this.#exactRound(state, active);
      }
    } catch (err) {
      for (const w of state.waiters.splice(0)) w.reject(err);
    } finally {
      state.opening = false;
    }
  }

  /**
   * At the boundary: the head grows this instance's lease by just what it lacks, the others ask for exactly
   * their worst case on single-use leases of their own, all at once. They stay queued until answered, so no
   * new call takes what the head's shortfall counts on.
   */
  async #exactRound(state: PeriodState, active: Lease | undefined): Promise<void> {
    const round = [...state.waiters];
    const leases = await Promise.all(
      round.map(async (w, i) => {
        if (i === 0 && active) return (await this.#enqueue(active, () => this.#grow(state, active, w.worst - active.available))) ? active : undefined;
        const own = await this.#open(state, w.worst);
        if (own) {
          own.admitUntil = 0; // closed with the settlement of its call
          state.open.add(own);
        }
        return own;
      }),
    );
    state.waiters.splice(0, round.length);
    round.forEach((w, i) => w.resolve(leases[i] ? this.#hold(state, leases[i]!, w.worst) : undefined));
  }

  /** the active lease, if it may grow (it holds a grant and has not been overdrawn) */
  #growable(state: PeriodState): Lease | undefined {
    const active = this.#admitting(state);
    return active && active.granted > 0 && active.used <= active.granted ? active : undefined;
  }

  #activateIf(state: PeriodState, lease: Lease | undefined): boolean {
    if (lease) this.#activate(state, lease);
    return lease !== undefined;
  }

  #serveWaiters(state: PeriodState): boolean {
    const lease = this.#admitting(state);
    while (state.waiters.length && lease && lease.available >= state.waiters[0]!.worst) {
      const w = state.waiters.shift()!;
      w.resolve(this.#hold(state, lease, w.worst));
    }
    return state.waiters.length > 0;
  }

  #extra(state: PeriodState, need: number): number {
    if (state.knownCommitted === undefined || state.limit === undefined) return 0;
    return state.demand.ahead(state.limit - state.knownCommitted - elsewhere(state) - need, this.#deps.clock.now());
  }

  async #open(state: PeriodState, granted: number): Promise<Lease | undefined> {
    const lease = this.#newLease(granted, true);
    const stored = { id: lease.id, granted, used: 0, seq: 0, topUps: 0, expiresAt: lease.expiresAt };
    const committed = await this.#grant(state, (limitHere) => this.#deps.ledger.openLease(state.period, stored, limitHere));
    if (committed === 'over') {
      // the other regions had committed more than this instance knew: the grant goes straight back
      lease.admitUntil = 0;
      state.open.add(lease);
      await this.#flush(state, lease);
      return undefined;
    }
    if (committed === undefined) return undefined;
    state.knownCommitted = committed;
    return lease;
  }

  /** grow a held lease; in its write queue, so settlement batches see the grant they were computed with */
  async #grow(state: PeriodState, lease: Lease, delta: number): Promise<boolean> {
    if (lease.closed || state.limit === undefined) return false;
    const committed = await this.#grant(state, (limitHere) => this.#deps.ledger.growLease(state.period, lease.id, delta, lease.topUps + 1, limitHere));
    if (committed === undefined) return false;
    lease.topUps += 1;
    lease.granted += delta;
    if (committed === 'over') {
      await this.#shrink(state, lease, delta);
      return false;
    }
    state.knownCommitted = committed;
    return true;
  }

  /**
   * One grant on this region's period item: the conditional write against the limit less what the other regions
   * held when last read, and (several regions) a fresh read of theirs in the same round trip. The committed
   * total here after; undefined: no room; 'over': written, but the regions together are past the limit by the
   * fresh reading (the caller gives the grant back). Either way the reading is kept, so the exact asks that
   * follow a failed grant are made against it: a refusal rests on a reading one round trip old at most.
   */
  async #grant(state: PeriodState, write: (limitHere: number) => Promise<number | undefined>): Promise<number | undefined | 'over'> {
    const limit = state.limit!;
    const [committed, others] = await Promise.all([write(limit - elsewhere(state)), this.#deps.ledger.otherRegions(state.period)]);
    if (!others) return committed;
    state.elsewhere = others;
    return committed === undefined || committed + others.committedNanoUsd <= limit ? committed : 'over';
  }

  /** give back a top-up the other regions turned out to leave no room for (a negative top-up, exactly once) */
  async #shrink(state: PeriodState, lease: Lease, delta: number): Promise<void> {
    // counted off first: should the write's outcome stay unknown, the lease's close gives back too little, never too much
    lease.granted -= delta;
    try {
      if ((await this.#deps.ledger.growLease(state.period, lease.id, -delta, lease.topUps + 1, undefined)) !== undefined) {
        lease.topUps += 1;
        return;
      }
    } catch (err) {
      this.#deps.logger.warn('giving back a budget top-up failed; the lease stops admitting', { tenant: state.period.tenantId, lease: lease.id, error: (err as Error).message });
    }
    // its top-up count is uncertain now: it admits no more and is never grown again
    this.#retire(state, lease);
  }

  #closeIfDone(state: PeriodState, lease: Lease): Promise<void> {
    return this.#done(lease) ? this.#flush(state, lease) : Promise.resolve();
  }

  /** drained: admits no more calls and none is in flight or waiting to be written */
  #done(lease: Lease): boolean {
    return !lease.closed && lease.admitUntil <= this.#deps.clock.now() && lease.holds === 0 && lease.pending.length === 0;
  }

  /** Write what is pending under the lease, one batch at a time, in order; what settles meanwhile joins the batch. */
  #flush(state: PeriodState, lease: Lease): Promise<void> {
    if (lease.next) return lease.next;
    // Group commit waits before taking a place in the lease's queue, so a top-up (which a waiting call needs)
    // is never held up behind it. Only a lease that still admits calls waits: near the limit (single-use
    // leases) and at a close, the unused grant goes back at once, so the next call is not refused for it.
    const linger = this.#tuning.groupCommitMs ?? 0;
    const wait = linger > 0 && lease.pending.length > 0 && lease.admitUntil > this.#deps.clock.now();
    const write = () =>
      this.#enqueue(lease, () => {
        lease.next = undefined;
        return this.#write(state, lease, lease.pending.splice(0));
      });
    lease.next = wait ? new Promise<void>((resolve) => setTimeout(resolve, linger)).then(write) : write();
    return lease.next;
  }

  /** a lease's writes (batches, top-ups) run one after another */
  #enqueue<T>(lease: Lease, work: () => Promise<T>): Promise<T> {
    const run = lease.tail.then(work);
    lease.tail = run.catch(() => undefined);
    return run;
  }

  async #write(state: PeriodState, lease: Lease, batch: Settlement[]): Promise<void> {
    // a write whose outcome is still unknown goes first, exactly as it was (same seq, same totals)
    if (lease.uncertain) {
      try {
        await this.#send(state, lease, lease.uncertain.flush, lease.uncertain.batch);
      } catch (err) {
        lease.pending.unshift(...batch);
        throw err;
      }
    }
    if (lease.closed || this.#deps.clock.now() >= lease.expiresAt) {
      // past its expiry the lease is the sweep's: what it still owes is written through a fresh channel
      if (batch.length) await this.#reroute(state, batch);
      return;
    }
    const close = lease.stored && this.#done(lease);
    if (batch.length === 0 && !close) {
      // a channel that never wrote anything has nothing to remove
      if (this.#done(lease)) this.#forget(state, lease);
      return;
    }
    const totals = sumSettlements(batch);
    const usedAfter = lease.storedUsed + totals.costNanoUsd;
    const overdraft = Math.max(0, usedAfter - lease.granted) - Math.max(0, lease.storedUsed - lease.granted);
    await this.#send(state, lease, {
      leaseId: lease.id,
      seq: lease.seq + 1,
      usedAfter,
      committedDelta: overdraft - (close ? Math.max(0, lease.granted - usedAfter) : 0),
      totals,
      open: lease.stored ? undefined : { granted: lease.granted, expiresAt: lease.expiresAt },
      close,
    }, batch);
  }

  async #send(state: PeriodState, lease: Lease, flush: LeaseFlush, batch: Settlement[]): Promise<void> {
    let outcome: number | 'unknown' | 'lost';
    try {
      outcome = await this.#apply(state.period, flush);
    } catch (err) {
      if (err instanceof StoreRejectedWrite) return this.#rejected(state, lease, flush, batch, err);
      this.#uncertain(state, lease, flush, batch, err);
      throw err;
    }
    await this.#applied(state, lease, flush, batch, outcome);
  }

  /** a write whose outcome is unknown (timeout, store unreachable): sent again, as it is, before the next one */
  #uncertain(state: PeriodState, lease: Lease, flush: LeaseFlush, batch: Settlement[], err: unknown): void {
    lease.uncertain = { flush, batch };
    this.#deps.logger.error('a settlement batch could not be written yet; it is sent again before the next one', {
      ...batchFacts(state, lease, flush),
      error: (err as Error).message,
    });
  }

  async #applied(state: PeriodState, lease: Lease, flush: LeaseFlush, batch: Settlement[], outcome: number | 'unknown' | 'lost'): Promise<void> {
    lease.uncertain = undefined;
    if (outcome === 'lost') {
      this.#deps.logger.error('budget lease vanished before its settlement was written; recording it anew', { tenant: state.period.tenantId, lease: lease.id });
      this.#forget(state, lease);
      await this.#reroute(state, batch);
      return;
    }
    lease.seq = flush.seq;
    lease.storedUsed = flush.usedAfter;
    lease.stored = true;
    if (flush.close) {
      this.#forget(state, lease);
    } else if (this.#done(lease)) {
      this.#track(this.#flush(state, lease));
    }
    if (outcome !== 'unknown') await this.#alertIfCrossed(state, outcome);
  }

  /**
   * The store refused the batch as invalid, so nothing of it was applied and the same write never will be: it
   * is never retried as it is, nor ahead of later batches. Most likely its breakdown by model made the period
   * item too large (a tenant addressing many distinct model names), so it goes once more without the breakdown:
   * its cost, tokens and requests still land and only their split by model and provider is lost (and logged).
   * If even that is refused the batch is set aside: logged with what it would have added (an operator can
   * reconcile from the line and the ledger entries), counted in LedgerWritesRejected, and the lease's later
   * batches are written as though it had not been.
   */
  async #rejected(state: PeriodState, lease: Lease, flush: LeaseFlush, batch: Settlement[], err: StoreRejectedWrite): Promise<void> {
    lease.uncertain = undefined;
    const { logger, metrics } = this.#deps;
    const facts = { ...batchFacts(state, lease, flush), error: err.message };
    const names = Object.keys(flush.totals.byModel);
    if (names.length || Object.keys(flush.totals.byProvider).length) {
      const bare: LeaseFlush = { ...flush, totals: { ...flush.totals, byModel: {}, byProvider: {}, byRoute: {} } };
      let outcome: number | 'unknown' | 'lost';
      try {
        outcome = await this.#apply(state.period, bare);
      } catch (again) {
        if (!(again instanceof StoreRejectedWrite)) {
          this.#uncertain(state, lease, bare, batch, again);
          throw again;
        }
        return this.#setAside(state, lease, flush, { ...facts, error: again.message });
      }
      logger.warn('settlement written without its breakdown by model: the store refused the whole batch as invalid', {
        ...facts,
        models: names.map((n) => boundedName(n, 80)),
      });
      metrics.add(METRICS.ledgerWritesRejected, 1, 'Count', { Kind: 'breakdown' });
      return this.#applied(state, lease, bare, batch, outcome);
    }
    this.#setAside(state, lease, flush, facts);
  }

  #setAside(state: PeriodState, lease: Lease, flush: LeaseFlush, facts: Record<string, unknown>): void {
    this.#deps.logger.error('settlement set aside: the store refused it as invalid', facts);
    this.#deps.metrics.add(METRICS.ledgerWritesRejected, 1, 'Count', { Kind: 'settlement' });
    // a refused close leaves the lease stored at its last written batch: the sweep gives back what it did not use
    if (flush.close) this.#forget(state, lease);
    else if (this.#done(lease)) this.#track(this.#flush(state, lease));
  }

  #forget(state: PeriodState, lease: Lease): void {
    lease.closed = true;
    state.open.delete(lease);
    if (state.active === lease) state.active = undefined;
  }

  async #reroute(state: PeriodState, batch: Settlement[]): Promise<void> {
    const channel = this.#newLease(0, false);
    channel.admitUntil = 0;
    state.open.add(channel);
    channel.used = sumSettlements(batch).costNanoUsd;
    channel.pending.push(...batch);
    await this.#flush(state, channel);
  }

  /**
   * Write a batch, resolving uncertainty by reading the lease: its seq tells whether an attempt that timed out
   * or a retry that met its own earlier success was applied. The settled total after, 'unknown' when applied
   * by an earlier attempt, 'lost' when the lease is gone (swept) and the batch was not applied.
   */
  async #apply(period: BudgetPeriod, flush: LeaseFlush): Promise<number | 'unknown' | 'lost'> {
    let lastError: unknown;
    for (let i = 0; i < WRITE_TRIES; i++) {
      try {
        const outcome = await this.#deps.ledger.flush(period, flush);
        if (outcome.applied) return outcome.costNanoUsd;
      } catch (err) {
        // refused as invalid: nothing was applied, and trying again would be refused again
        if (err instanceof StoreRejectedWrite) throw err;
        lastError = err;
      }
      const stored = await this.#deps.ledger.readLease(period, flush.leaseId);
      if (stored && stored.seq >= flush.seq) return 'unknown';
      if (!stored && flush.close) return 'unknown';
      if (!stored && !flush.open) return 'lost';
    }
    throw lastError ?? new Error(`settlement batch ${flush.seq} of lease ${flush.leaseId} could not be written`);
  }

  /**
   * Alerts go by the tenant's whole spend (this region's and the others' as last read). Each is marked on this
   * region's item, once, and sent unless another region's item shows that region sent it already: two regions
   * both send only when they cross the same threshold within the replication lag of each other.
   */
  async #alertIfCrossed(state: PeriodState, settledHere: number): Promise<void> {
    const limit = state.limit;
    if (!limit) return;
    const { period } = state;
    const settled = settledHere + (state.elsewhere?.costNanoUsd ?? 0);
    let sentElsewhere: Promise<number[] | undefined> | undefined;
    for (const percent of ALERT_PERCENTS) {
      if (settled * 100 < limit * percent || state.alerted.has(percent)) continue;
      state.alerted.add(percent);
      if (!(await this.#deps.ledger.markAlert(period, percent))) continue;
      sentElsewhere ??= this.#deps.ledger.otherRegions(period).then((others) => others?.alerted);
      if ((await sentElsewhere)?.includes(percent)) continue;
      this.#deps.metrics.add(METRICS.budgetThreshold, 1, 'Count', { Tenant: period.tenantId, Threshold: String(percent) });
      await this.#deps.alerts.publish({
        kind: 'budget_threshold',
        subject: `${period.tenantId}: ${percent}% of the ${period.kind === 'day' ? 'daily' : 'monthly'} budget spent`,
        message: `Tenant ${period.tenantId} has spent $${formatUsd(settled)} of its $${formatUsd(limit)} budget for ${period.name}.`,
        attributes: { tenant: period.tenantId, period: period.name, threshold: String(percent) },
      });
    }
  }
}

/** what a log line says about a settlement batch: who, which period and lease, and what it adds (never payloads) */
function batchFacts(state: PeriodState, lease: Lease, flush: LeaseFlush): Record<string, unknown> {
  return {
    tenant: state.period.tenantId,
    period: state.period.name,
    lease: lease.id,
    seq: flush.seq,
    costUsd: formatUsd(flush.totals.costNanoUsd),
    costNanoUsd: flush.totals.costNanoUsd,
    requests: flush.totals.requests,
  };
}

/** the other regions' committed total as last read */
function elsewhere(state: PeriodState): number {
  return state.elsewhere?.committedNanoUsd ?? 0;
}

export function sumSettlements(batch: Settlement[]): UsageTotals {
  const totals: UsageTotals = { costNanoUsd: 0, operatorCostNanoUsd: 0, requests: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, byModel: {}, byProvider: {}, byRoute: {} };
  for (const s of batch) {
    totals.costNanoUsd += s.costNanoUsd;
    totals.operatorCostNanoUsd! += s.operatorCostNanoUsd ?? 0;
    totals.requests += 1;
    totals.inputTokens += s.inputTokens;
    totals.outputTokens += s.outputTokens;
    totals.cachedInputTokens += s.cachedInputTokens;
    if (s.cacheSavedNanoUsd !== undefined) {
      totals.cacheHits = (totals.cacheHits ?? 0) + 1;
      totals.cacheSavedNanoUsd = (totals.cacheSavedNanoUsd ?? 0) + s.cacheSavedNanoUsd;
    }
    for (const [map, key] of [
      [totals.byModel, s.model],
      [totals.byProvider, s.provider],
      ...(s.route ? [[totals.byRoute!, s.route] as const] : []),
    ] as const) {
      const b = (map[key] ??= { costNanoUsd: 0, requests: 0, inputTokens: 0, outputTokens: 0 });
      b.costNanoUsd += s.costNanoUsd;
      b.requests += 1;
      b.inputTokens += s.inputTokens;
      b.outputTokens += s.outputTokens;
    }
  }
  return totals;
}
