// Run a call against a model's targets until one answers: in the order the strategy and policy give,
// skipping targets whose breaker is open or whose provider asked us to wait (429, Retry-After), falling
// over at once when a target fails in a way another might not, retrying the same target after a capped,
// fully jittered backoff when nothing else is left (within its retry budget and the request deadline),
// and optionally hedging a slow first target with the next. When every target's breaker is open, the one
// whose cooldown ends first is tried rather than refusing. Each attempt is recorded for the caller's
// headers and the error body.
//
// A call once started is never abandoned to save a wait: a call past its timeout keeps running beside the
// next one (and may still answer first), a hedge's loser and a call still running when another answered are
// read to their end, so what each cost is what its provider reports. A second call beside a running one
// starts only on an operator hold (the request's Bill); only the request's deadline cuts calls off.
import { AttemptSignal, Deadline, DeadlineExceeded, deadlineError } from '../deadline';
import { errors, GatewayError, type AttemptRecord } from '../errors';
import type { Clock, Logger, Metrics } from '../ports';
import { METRICS } from '../observability';
import type { GatewayConfig } from '../config/schema';
import type { Usage } from '../openai/chat-response';
import type { Bill, BilledCall } from '../admission/bill';
import { attemptTimeouts } from '../resilience/adaptive-timeout';
import { backoffDelay, sleep } from '../resilience/backoff';
import type { BreakerEntry } from '../resilience/breaker-board';
import type { CallKind } from '../resilience/latency';
import { DEFAULT_THROTTLE_MS, type Resilience } from '../resilience/resilience';
import type { RetryBudget } from '../resilience/retry-budget';
import { ProviderError, type Provider } from '../../providers/types';
import type { PolicyHints } from './policy';
import type { PricedTarget, ResolvedModel } from './resolve';
import { planTargets, type TokenEstimate } from './strategies';
import type { ProviderQuotaCheck } from '../admission/admit';
import { retryAfterSeconds } from '../admission/windows';

export interface ExecuteDeps {
  providers: Map<string, Provider>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  defaultTimeoutMs: number;
  resilience: Resilience;
  config: Pick<GatewayConfig, 'providers'>;
  /** the provider's own rate limits (per-provider quotas), taken per call; a spent quota passes the target over */
  providerQuota?: ProviderQuotaCheck;
  /** how long a call the request no longer uses is still read for its usage before it is cut off */
  abandonedCallMs?: number;
}

export interface ExecuteOptions<T> {
  /** what the latency and timeouts are about: a whole answer, a stream's first chunk, embeddings */
  kind?: CallKind;
  policy?: PolicyHints;
  /** tokens the request is expected to use, for the cost strategy and the max-cost hint */
  estimate?: TokenEstimate;
  /** the request's calls, and the operator's room for a call beside a running one */
  bill: Bill;
  /**
   * Read an answer the request does not use to its end (a stream through, nothing forwarded): the usage its
   * provider reports, or undefined when it ended without saying.
   */
  drain: (value: T, call: BilledCall) => Promise<Usage | undefined>;
}

export interface Executed<T> {
  value: T;
  target: PricedTarget;
  provider: Provider;
  /** the breaker that guarded the call that succeeded (a stream's later failure is counted on it) */
  breaker: BreakerEntry;
  /** the attempt that succeeded: streams keep it for the idle timeout and to end the upstream */
  signal: AttemptSignal;
  /** the served call in the request's bill */
  call: BilledCall;
  attempts: AttemptRecord[];
}

/** a hedge starts only once the first target's p95 rests on this many samples */
export const HEDGE_MIN_SAMPLES = 5;

/**
 * A failure that another target might not share: transport faults, 429 and 5xx, and answers that say this
 * provider cannot serve the model (401/403/404). A request the provider rejected as malformed would be
 * rejected everywhere, so it is returned to the caller at once.
 */
export function canFallback(err: ProviderError): boolean {
  return err.retryable || err.status === 401 || err.status === 403 || err.status === 404;
}

/**
 * Failures that say the provider is unwell: no answer, timeouts, 5xx (and 408/409/425). A 429 is a throttle
 * (handled by its window). A 4xx — 400, 401, 403, 404, 413, 422, a prompt over the context window — is about
 * the request: a tenant could send five of them on purpose (a model its key may not use) and open a breaker
 * every tenant shares, so they never count. A revoked operator key shows in the health check instead.
 */
export function countsAgainstBreaker(err: ProviderError): boolean {
  return err.retryable && err.status !== 429;
}

export function executeWithFallback<T>(
  route: ResolvedModel,
  deadline: Deadline,
  deps: ExecuteDeps,
  requestId: string,
  call: (provider: Provider, target: PricedTarget, attempt: AttemptSignal) => Promise<T>,
  opts: ExecuteOptions<T>,
): Promise<Executed<T>> {
  return new Execution(route, deadline, deps, requestId, call, opts).run();
}

/**
 * A stream that failed after its first chunk could not fall over, but the failure still says the provider
 * is unwell: count it against its breaker.
 */
export function reportLateFailure(deps: Pick<ExecuteDeps, 'resilience' | 'clock'>, run: Executed<unknown>, err: unknown): void {
  if (!(err instanceof ProviderError) || !countsAgainstBreaker(err)) return;
  run.breaker.breaker.onFailure(deps.clock.now(), false, `mid-stream ${err.code}`);
}

interface Slot {
  target: PricedTarget;
  provider: Provider;
  entry: BreakerEntry;
  /** the retry budget its retries spend */
  budget: RetryBudget;
  /** calls made to this target for this request */
  tries: number;
  /** not before: backoff after a failure, or the provider's throttle window */
  readyAt: number;
  done: boolean;
  lastError?: ProviderError;
  /** why it was passed over, once recorded */
  skipNoted?: boolean;
}

/** 'probe': through a half-open breaker with the lease; 'forced': through an open one, every target being open */
type Mode = 'allow' | 'probe' | 'forced';

/** how a call ended; never a rejection */
type Outcome<T> = { ok: true; value: T } | { ok: false; error?: ProviderError; ended?: unknown };

interface Running<T> {
  slot: Slot;
  signal: AttemptSignal;
  call: BilledCall;
  startedAt: number;
  mode: Mode;
  done: Promise<Outcome<T>>;
  /** past its timeout: recorded as timed out, and the request went on beside it */
  timedOut?: boolean;
  /** one of a hedged pair */
  hedge?: boolean;
}

type Event<T> = { kind: 'end'; run: Running<T>; outcome: Outcome<T> } | { kind: 'expired'; run: Running<T> } | { kind: 'hedge' };

class Execution<T> {
  private readonly attempts: AttemptRecord[] = [];
  private slots: Slot[] = [];
  private readonly kind: CallKind;
  private lastError: ProviderError | undefined;
  /** targets that failed or were passed over since the last call started: each is a fallback */
  private leftBehind: Array<{ slot: Slot; reason: string }> = [];
  /** calls started and not yet over */
  private readonly running = new Set<Running<T>>();

  constructor(
    private readonly route: ResolvedModel,
    private readonly deadline: Deadline,
    private readonly deps: ExecuteDeps,
    private readonly requestId: string,
    private readonly call: (provider: Provider, target: PricedTarget, attempt: AttemptSignal) => Promise<T>,
    private readonly opts: ExecuteOptions<T>,
  ) {
    this.kind = opts.kind ?? 'chat';
  }

  async run(): Promise<Executed<T>> {
    try {
      const served = await this.serve();
      this.leaveRunning();
      return served;
    } catch (err) {
      this.leaveRunning();
      throw err;
    }
  }

  private async serve(): Promise<Executed<T>> {
    const { resilience, clock } = this.deps;
    for (const target of this.route.unpriced) {
      this.attempts.push({ provider: target.provider, model: target.model, latencyMs: 0, skipped: 'no known price (model_not_priced)' });
    }
    const plan = planTargets(this.route.targets, {
      strategy: this.route.strategy,
      policy: this.opts.policy ?? {},
      kind: this.kind,
      estimate: this.opts.estimate,
      config: this.deps.config,
      resilience,
      now: clock.now(),
    });
    for (const target of plan) {
      const provider = this.deps.providers.get(target.provider);
      if (!provider) continue;
      if (!(await provider.isConfigured())) {
        this.attempts.push({ provider: target.provider, model: target.model, latencyMs: 0, skipped: 'no API key configured here' });
        continue;
      }
      // a model the caller named itself (provider/model) has a breaker and retry budget of its own
      const direct = this.route.direct;
      const entry = resilience.breakers.entry(provider.config, target.model, direct);
      const budget = resilience.budget(provider.config, direct ? target.model : undefined);
      this.slots.push({ target, provider, entry, budget, tries: 0, readyAt: 0, done: false });
    }
    await resilience.breakers.ensureFresh(this.slots.map((s) => s.entry));

    for (;;) {
      const now = clock.now();
      // a client that left gets no new call; the ones running go on to their end (their cost is real)
      const choice = this.deadline.clientGone ? undefined : this.choose(now);
      if (!choice) {
        if (!this.running.size) break;
        const served = await this.next();
        if (served) return served;
        continue;
      }
      const { slot } = choice;
      if (choice.at > now) {
        const served = await this.wait(choice.at - now);
        if (served) return served;
        continue;
      }
      if (await this.overQuota(slot)) continue;
      let mode: Mode = 'forced';
      if (!choice.forced) {
        const admission = await resilience.breakers.admit(slot.entry, this.timeouts(slot).attemptMs);
        if (admission === 'reject') continue; // the probe lease is another instance's: choose again
        mode = admission === 'probe' ? 'probe' : 'allow';
      }
      if (this.running.size && !(await this.opts.bill.extra())) {
        // no operator room for a second call beside the running one: wait for it instead
        if (mode === 'probe') slot.entry.breaker.endProbe();
        const served = await this.next();
        if (served) return served;
        continue;
      }
      this.announce(slot, mode);
      const served = await this.follow(this.start(slot, mode));
      if (served) return served;
    }
    if (this.deadline.clientGone) throw errors.clientClosed();
    for (const slot of this.slots) this.noteSkipped(slot, clock.now());
    throw this.exhausted();
  }

  /**
   * The next target to call, and when: the first (in plan order) that may go now; else the soonest of the
   * rest — one waiting out a backoff or a short throttle (at most retry.maxDelayMs), or one whose breaker is
   * open, tried anyway (forced), the cooldown ending first winning ties. Undefined when nothing is left
   * before the deadline.
   */
  private choose(now: number): { slot: Slot; at: number; forced: boolean } | undefined {
    const live = this.slots.filter((s) => this.eligible(s, now));
    // a target this request has not tried yet goes before a retry of one that failed, even one whose
    // jittered backoff is already over: fall over at once, retry when nothing else is left
    const goes = (s: Slot) => s.readyAt <= now && !this.blocked(s, now);
    const ready = live.find((s) => s.tries === 0 && goes(s)) ?? live.find(goes);
    if (ready) {
      this.noteSkippedBefore(ready, now);
      return { slot: ready, at: now, forced: false };
    }
    let best: { slot: Slot; at: number; forced: boolean; opensAt: number } | undefined;
    for (const slot of live) {
      // a long Retry-After is the client's to wait out (it gets retry-after), not a held connection's
      if (slot.readyAt - now > slot.provider.config.retry.maxDelayMs) continue;
      const forced = this.blocked(slot, now);
      const candidate = { slot, at: Math.max(slot.readyAt, now), forced, opensAt: forced ? slot.entry.breaker.availableAt(now) : now };
      if (!best || candidate.at < best.at || (candidate.at === best.at && candidate.opensAt < best.opensAt)) best = candidate;
    }
    if (!best || best.at >= this.deadline.at) return undefined;
    this.noteSkippedBefore(best.slot, now);
    return best;
  }

  private eligible(slot: Slot, now: number): boolean {
    if (slot.done) return false;
    if ([...this.running].some((r) => r.slot === slot)) return false;
    if (slot.tries >= slot.provider.config.retry.maxAttempts) return (slot.done = true), false;
    if (slot.tries > 0 && !slot.budget.canRetry(now)) {
      this.deps.logger.warn('retry budget spent: not retrying', { requestId: this.requestId, provider: slot.provider.id });
      return (slot.done = true), false;
    }
    const throttledUntil = this.deps.resilience.throttledUntil(slot.provider.id, slot.target.model, now);
    if (throttledUntil) slot.readyAt = Math.max(slot.readyAt, throttledUntil);
    return true;
  }

  /** its breaker lets no call through now (open, or another instance holds the probe lease) */
  private blocked(slot: Slot, now: number): boolean {
    return slot.entry.breaker.admit(now) === 'reject' || slot.entry.leaseDeniedUntil > now;
  }

  private timeouts(slot: Slot) {
    const { resilience, clock, defaultTimeoutMs } = this.deps;
    return attemptTimeouts(slot.provider.config, slot.target.model, this.kind, resilience.latency, clock.now(), defaultTimeoutMs);
  }

  /** Start one call; its `done` never rejects, and it ends only by its own answer or the request's deadline. */
  private start(slot: Slot, mode: Mode, hedge = false): Running<T> {
    const { resilience, clock, metrics } = this.deps;
    const { provider, target } = slot;
    const startedAt = clock.now();
    slot.budget.recordCall(startedAt, slot.tries > 0);
    slot.tries++;
    const timeouts = this.timeouts(slot);
    const signal = new AttemptSignal(this.deadline, timeouts.attemptMs, timeouts.idleMs);
    const call = this.opts.bill.open(provider.id, target.model, target.price);
    const run: Running<T> = { slot, signal, call, startedAt, mode, hedge, done: Promise.resolve({ ok: false }) };
    run.done = (async (): Promise<Outcome<T>> => {
      try {
        const value = await this.call(provider, target, signal);
        signal.stopTimer();
        const now = clock.now();
        const latencyMs = now - startedAt;
        resilience.latency.record(provider.id, target.model, this.kind, latencyMs, now);
        slot.entry.breaker.onSuccess(now, mode !== 'allow');
        if (!run.timedOut) this.attempts.push({ provider: provider.id, model: target.model, status: 200, latencyMs });
        metrics.add(METRICS.upstreamCalls, 1, 'Count', { Provider: provider.id, Outcome: 'ok' });
        metrics.add(METRICS.upstreamLatency, latencyMs, 'Milliseconds', { Provider: provider.id });
        return { ok: true, value };
      } catch (caught) {
        signal.abort();
        const err = signal.explain(caught);
        if (!(err instanceof ProviderError)) {
          // cut off (the deadline) or broken: what it cost is estimated from what the provider had
          call.finish({ cut: true });
          return { ok: false, ended: err };
        }
        call.finish({ error: true }, err.status);
        if (!run.timedOut) this.failed(run, err);
        return { ok: false, error: err };
      } finally {
        if (mode === 'probe') slot.entry.breaker.endProbe();
      }
    })();
    this.running.add(run);
    return run;
  }

  /** a call's failure: its record, metrics, breaker, throttle, and when the target may be retried */
  private failed(run: Running<T>, err: ProviderError): void {
    const { resilience, clock, metrics, logger } = this.deps;
    const { slot } = run;
    const { provider, target } = slot;
    const now = clock.now();
    const latencyMs = now - run.startedAt;
    this.attempts.push({ provider: provider.id, model: target.model, status: err.status, code: err.code, message: err.message, latencyMs });
    metrics.add(METRICS.upstreamCalls, 1, 'Count', { Provider: provider.id, Outcome: 'error' });
    logger.warn('provider attempt failed', { requestId: this.requestId, provider: provider.id, model: target.model, status: err.status, code: err.code, latencyMs, mode: run.mode });
    if (countsAgainstBreaker(err)) slot.entry.breaker.onFailure(now, run.mode !== 'allow', `${err.status || 'no answer'} ${err.code}`);
    if (err.status === 429 || err.retryAfterMs !== undefined) {
      resilience.throttle(provider.id, target.model, now + (err.retryAfterMs ?? DEFAULT_THROTTLE_MS));
      metrics.add(METRICS.throttled, 1, 'Count', { Provider: provider.id });
    }
    slot.lastError = err;
    this.lastError = err;
    this.leftBehind.push({ slot, reason: `${err.status || 'no answer'} ${err.code}` });
    // 401/403/404: another provider may serve, this one will not
    if (!err.retryable) slot.done = true;
    else slot.readyAt = now + backoffDelay(slot.tries, { baseMs: slot.provider.config.retry.baseDelayMs, maxMs: slot.provider.config.retry.maxDelayMs, retryAfterMs: err.retryAfterMs }, resilience.random);
  }

  /**
   * Follow a call just started until the request can go on: some call ends (served, or failed: the loop
   * chooses what is next), this one passes its timeout (it keeps running beside whatever comes next), or it is
   * time to hedge it.
   */
  private async follow(run: Running<T>): Promise<Executed<T> | undefined> {
    let hedgeIn = this.hedgeDelay(run);
    for (;;) {
      const events: Array<Promise<Event<T>>> = [...this.running].map((r) => r.done.then((outcome) => ({ kind: 'end' as const, run: r, outcome })));
      if (this.running.has(run) && !run.timedOut) events.push(run.signal.expired.then(() => ({ kind: 'expired' as const, run })));
      let timer: NodeJS.Timeout | undefined;
      if (hedgeIn !== undefined) events.push(new Promise((resolve) => (timer = setTimeout(() => resolve({ kind: 'hedge' }), hedgeIn))));
      const event = await Promise.race(events).finally(() => clearTimeout(timer));
      if (event.kind === 'end') {
        const served = this.ended(event.run, event.outcome);
        if (served || !this.running.has(run)) return served;
        continue;
      }
      if (event.kind === 'expired') {
        this.timedOut(event.run);
        return undefined;
      }
      hedgeIn = undefined;
      await this.hedge(run);
    }
  }

  /** Wait for any running call to end: the served answer, or undefined when it failed. */
  private async next(): Promise<Executed<T> | undefined> {
    const { run, outcome } = await Promise.race([...this.running].map((r) => r.done.then((o) => ({ run: r, outcome: o }))));
    return this.ended(run, outcome);
  }

  /** A call ended: the answer to serve, or (failed) undefined; throws when the request itself is over. */
  private ended(run: Running<T>, outcome: Outcome<T>): Executed<T> | undefined {
    this.running.delete(run);
    if (outcome.ok) {
      if (run.hedge) this.deps.metrics.add(METRICS.hedges, 1, 'Count', { Provider: run.slot.provider.id, Outcome: 'won' });
      return { value: outcome.value, target: run.slot.target, provider: run.slot.provider, breaker: run.slot.entry, signal: run.signal, call: run.call, attempts: this.attempts };
    }
    if (outcome.ended !== undefined) throw requestEnded(outcome.ended, this.attempts) ?? outcome.ended;
    if (outcome.error && !canFallback(outcome.error)) throw callerError(outcome.error, this.attempts);
    return undefined;
  }

  /** the call passed its timeout: a failure for routing and the breaker, though it goes on running */
  private timedOut(run: Running<T>): void {
    run.timedOut = true;
    const err = new ProviderError({ status: 504, retryable: true, code: 'timeout', message: `no answer within ${run.signal.timeoutMs} ms` });
    this.failed(run, err);
  }

  /** ms until a hedge of this call, when its alias hedges and its p95 is known and shorter than its timeout */
  private hedgeDelay(run: Running<T>): number | undefined {
    if (!this.route.alias?.hedge || run.mode !== 'allow' || this.running.size > 1) return undefined;
    const { resilience, clock } = this.deps;
    const delay = resilience.latency.percentile(run.slot.provider.id, run.slot.target.model, this.kind, 95, clock.now(), HEDGE_MIN_SAMPLES);
    return delay === undefined || delay >= run.signal.timeoutMs ? undefined : delay;
  }

  /** Start the next target that may go now beside a slow first call; the first answer wins. */
  private async hedge(primary: Running<T>): Promise<void> {
    const { clock, metrics, logger } = this.deps;
    const now = clock.now();
    if (this.deadline.clientGone || !this.running.has(primary)) return;
    // only a target whose breaker is closed: a hedge is no probe
    const partner = this.slots.find((s) => s !== primary.slot && this.eligible(s, now) && s.readyAt <= now && s.entry.breaker.phase(now) === 'closed');
    if (!partner || (await this.overQuota(partner)) || !(await this.opts.bill.extra())) return;
    const afterMs = now - primary.startedAt;
    logger.info('hedge started', { requestId: this.requestId, provider: primary.slot.provider.id, hedge: partner.provider.id, afterMs });
    metrics.add(METRICS.hedges, 1, 'Count', { Provider: primary.slot.provider.id, Outcome: 'started' });
    primary.hedge = true;
    this.start(partner, 'allow', true);
  }

  /**
   * Calls still running when the request is served or given up: read to their end for their cost (the
   * operator's), never forwarded, for at most abandonedCallMs; then cut off (their cost estimated). Recorded as
   * such: a hedge's loser, or a call another answer overtook.
   */
  private leaveRunning(): void {
    const { clock, metrics, logger } = this.deps;
    for (const run of this.running) {
      const cut = setTimeout(() => run.signal.abort(new Error('abandoned call read past abandonedCallMs')), this.deps.abandonedCallMs ?? 10_000);
      cut.unref?.();
      void run.call.ended.then(() => clearTimeout(cut));
      const { provider, target } = run.slot;
      const latencyMs = clock.now() - run.startedAt;
      if (run.hedge) {
        this.attempts.push({ provider: provider.id, model: target.model, code: 'hedge_lost', message: 'another target answered first; read to its end for its cost', latencyMs });
        metrics.add(METRICS.hedges, 1, 'Count', { Provider: provider.id, Outcome: 'lost' });
        logger.info('hedge lost', { requestId: this.requestId, provider: provider.id, model: target.model, latencyMs });
      } else if (!run.timedOut) {
        this.attempts.push({ provider: provider.id, model: target.model, code: 'overtaken', message: 'still running when the request ended; read to its end for its cost', latencyMs });
      }
      void run.done.then(async (outcome) => {
        if (!outcome.ok) return;
        const usage = await this.opts.drain(outcome.value, run.call).catch(() => undefined);
        run.call.finish(usage ? { usage } : { cut: true }, 200);
      });
    }
    this.running.clear();
  }

  /**
   * The provider's quota here (its configured limits) has no room: pass the target over until its window
   * does, as for a provider's own throttle.
   */
  private async overQuota(slot: Slot): Promise<boolean> {
    const spent = await this.deps.providerQuota?.(slot.provider.id);
    if (!spent) return false;
    slot.readyAt = this.deps.clock.now() + spent.retryAfterMs;
    if (!slot.skipNoted) this.noteSkip(slot, 'provider quota reached here');
    return true;
  }

  /** Wait `ms` for a target's turn; a running call that answers meanwhile is served at once. */
  private async wait(ms: number): Promise<Executed<T> | undefined> {
    const pause = sleep(ms, this.deadline.signal).then(
      () => undefined,
      (err: unknown) => {
        throw requestEnded(err, this.attempts) ?? err;
      },
    );
    if (!this.running.size) return pause;
    const ends = [...this.running].map((r) => r.done.then((outcome) => ({ run: r, outcome })));
    const first = await Promise.race([pause, ...ends]);
    return first ? this.ended(first.run, first.outcome) : undefined;
  }

  /** the structured line and metric for each fallback (a target left for this one) and retry */
  private announce(slot: Slot, mode: Mode): void {
    const { logger, metrics } = this.deps;
    for (const { slot: from, reason } of this.leftBehind) {
      if (from === slot) continue;
      logger.info('fallback', { requestId: this.requestId, from: from.provider.id, fromModel: from.target.model, to: slot.provider.id, toModel: slot.target.model, reason, mode });
      metrics.add(METRICS.fallbacks, 1, 'Count', { Provider: from.provider.id });
    }
    this.leftBehind = [];
    if (slot.tries > 0) {
      logger.info('retry', { requestId: this.requestId, provider: slot.provider.id, model: slot.target.model, attempt: slot.tries + 1, reason: slot.lastError?.code, mode });
      metrics.add(METRICS.retries, 1, 'Count', { Provider: slot.provider.id });
    }
  }
  /** targets ahead of `chosen` in the plan that were passed over without a call: say why, once */
  private noteSkippedBefore(chosen: Slot, now: number): void {
    for (const slot of this.slots) {
      if (slot === chosen) return;
      this.noteSkipped(slot, now);
    }
  }

  private noteSkipped(slot: Slot, now: number): void {
    if (slot.tries > 0 || slot.skipNoted) return;
    const until = this.blocked(slot, now) ? slot.entry.breaker.availableAt(now) : slot.readyAt > now ? slot.readyAt : undefined;
    if (until === undefined) return;
    this.noteSkip(slot, this.blocked(slot, now) ? `breaker open until ${new Date(until).toISOString()}` : `throttled by the provider for ${until - now} ms`);
  }

  /** record, once, that a target was passed over without a call, and why */
  private noteSkip(slot: Slot, why: string): void {
    slot.skipNoted = true;
    this.attempts.push({ provider: slot.provider.id, model: slot.target.model, latencyMs: 0, skipped: why });
    this.leftBehind.push({ slot, reason: why });
  }

  private exhausted(): GatewayError {
    const attempts = this.attempts;
    const lastError = this.lastError;
    if (!lastError) {
      const now = this.deps.clock.now();
      const waits = this.slots.map((s) => s.readyAt - now).filter((ms) => ms > 0);
      const retryAfter = waits.length ? { 'retry-after': String(retryAfterSeconds(Math.min(...waits))) } : undefined;
      return new GatewayError(503, 'all_providers_unavailable', 'No provider for this model is available here (every target was skipped).', { attempts, headers: retryAfter });
    }
    const retryAfterMs = lastError.retryAfterMs;
    return new GatewayError(502, 'upstream_error', `Every provider for this model failed; the last said: ${lastError.message}`, {
      attempts,
      headers: retryAfterMs ? { 'retry-after': String(retryAfterSeconds(retryAfterMs)) } : undefined,
    });
  }
}

/** The request itself ended (its deadline passed) while waiting: what the caller gets. */
function requestEnded(err: unknown, attempts: AttemptRecord[]): GatewayError | undefined {
  return err instanceof DeadlineExceeded ? deadlineError(err, attempts) : undefined;
}

/** A provider's verdict on the request itself (400, context too long) goes back to the caller as such. */
function callerError(err: ProviderError, attempts: AttemptRecord[]): GatewayError {
  if (err.code === 'context_length_exceeded') {
    return new GatewayError(400, 'context_length_exceeded', err.message, { param: 'messages', attempts });
  }
  return new GatewayError(err.status >= 400 && err.status < 500 ? err.status : 502, 'upstream_error', `The provider rejected the request: ${err.message}`, { attempts });
}
