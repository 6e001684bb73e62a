// Run a call against a model's targets until one answers: in the order the strategy and policy give,
// skipping targets whose breaker is open or whose provider asked us to wait (429, Retry-After), falling
// over at once when a target fails in a way another might not, retrying the same target after a capped,
// fully jittered backoff when nothing else is left (within its retry budget and the request deadline),
// and optionally hedging a slow first target with the next. When every target's breaker is open, the one
// whose cooldown ends first is tried rather than refusing. Each attempt is recorded for the caller's
// headers and the error body.
import { AttemptSignal, ClientGone, Deadline, DeadlineExceeded, deadlineError } from '../deadline';
import { errors, GatewayError, type AttemptRecord } from '../errors';
import type { Clock, Logger, Metrics } from '../ports';
import { METRICS } from '../observability';
import type { GatewayConfig, ModelTarget } from '../config/schema';
import { attemptTimeouts } from '../resilience/adaptive-timeout';
import { backoffDelay, sleep } from '../resilience/backoff';
import type { BreakerEntry } from '../resilience/breaker-board';
import type { CallKind } from '../resilience/latency';
import { DEFAULT_THROTTLE_MS, type Resilience } from '../resilience/resilience';
import type { RetryBudget } from '../resilience/retry-budget';
import { ProviderError, type Provider } from '../../providers/types';
import type { PolicyHints } from './policy';
import type { ResolvedModel } from './resolve';
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
  config: Pick<GatewayConfig, 'providers' | 'pricing'>;
  /** the provider's own rate limits (per-provider quotas), taken per call; a spent quota passes the target over */
  providerQuota?: ProviderQuotaCheck;
}

export interface ExecuteOptions<T> {
  /** what the latency and timeouts are about: a whole answer, a stream's first chunk, embeddings */
  kind?: CallKind;
  policy?: PolicyHints;
  /** tokens the request is expected to use, for the cost strategy and the max-cost hint */
  estimate?: TokenEstimate;
  /** free an answer that lost a hedge race (close its stream) */
  discard?: (value: T) => void;
}

export interface Executed<T> {
  value: T;
  target: ModelTarget;
  provider: Provider;
  /** the breaker that guarded the call that succeeded (a stream's later failure is counted on it) */
  breaker: BreakerEntry;
  /** the attempt that succeeded: streams keep it to abort the upstream when the client leaves */
  signal: AttemptSignal;
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
  call: (provider: Provider, target: ModelTarget, attempt: AttemptSignal) => Promise<T>,
  opts: ExecuteOptions<T> = {},
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
  target: ModelTarget;
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

type Outcome<T> = { ok: true; value: T; signal: AttemptSignal; slot: Slot } | { ok: false; slot: Slot; error?: ProviderError };

interface Started<T> {
  slot: Slot;
  signal: AttemptSignal;
  startedAt: number;
  done: Promise<Outcome<T>>;
}

class HedgeLost extends Error {}

class Execution<T> {
  private readonly attempts: AttemptRecord[] = [];
  private slots: Slot[] = [];
  private readonly kind: CallKind;
  private lastError: ProviderError | undefined;
  /** targets that failed or were passed over since the last call started: each is a fallback */
  private leftBehind: Array<{ slot: Slot; reason: string }> = [];

  constructor(
    private readonly route: ResolvedModel,
    private readonly deadline: Deadline,
    private readonly deps: ExecuteDeps,
    private readonly requestId: string,
    private readonly call: (provider: Provider, target: ModelTarget, attempt: AttemptSignal) => Promise<T>,
    private readonly opts: ExecuteOptions<T>,
  ) {
    this.kind = opts.kind ?? 'chat';
  }

  async run(): Promise<Executed<T>> {
    const { resilience, clock } = this.deps;
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
      const direct = this.route.alias === undefined;
      const entry = resilience.breakers.entry(provider.config, target.model, direct);
      const budget = resilience.budget(provider.config, direct ? target.model : undefined);
      this.slots.push({ target, provider, entry, budget, tries: 0, readyAt: 0, done: false });
    }
    await resilience.breakers.ensureFresh(this.slots.map((s) => s.entry));

    for (;;) {
      const now = clock.now();
      const choice = this.choose(now);
      if (!choice) break;
      const { slot } = choice;
      if (choice.at > now) await this.wait(choice.at - now);
      if (await this.overQuota(slot)) continue;
      let mode: Mode = 'forced';
      if (!choice.forced) {
        const admission = await resilience.breakers.admit(slot.entry, this.timeouts(slot).attemptMs);
        if (admission === 'reject') continue; // the probe lease is another instance's: choose again
        mode = admission === 'probe' ? 'probe' : 'allow';
      }
      this.announce(slot, mode);
      const outcome = this.route.alias?.hedge && mode === 'allow' ? await this.hedged(slot) : await this.start(slot, mode).done;
      if (outcome.ok) {
        const { target, provider, entry } = outcome.slot;
        return { value: outcome.value, target, provider, breaker: entry, signal: outcome.signal, attempts: this.attempts };
      }
      if (outcome.error && !canFallback(outcome.error)) throw callerError(outcome.error, this.attempts);
    }
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

  /** Call one target; the outcome never rejects for a provider failure, only when the request itself ends. */
  private start(slot: Slot, mode: Mode): Started<T> {
    const { resilience, clock, metrics, logger } = this.deps;
    const { provider, target } = slot;
    const startedAt = clock.now();
    slot.budget.recordCall(startedAt, slot.tries > 0);
    slot.tries++;
    const timeouts = this.timeouts(slot);
    const signal = new AttemptSignal(this.deadline, timeouts.attemptMs, timeouts.idleMs);
    const probe = mode !== 'allow';
    const done = (async (): Promise<Outcome<T>> => {
      try {
        const value = await this.call(provider, target, signal);
        signal.stopTimer();
        const now = clock.now();
        const latencyMs = now - startedAt;
        resilience.latency.record(provider.id, target.model, this.kind, latencyMs, now);
        slot.entry.breaker.onSuccess(now, probe);
        this.attempts.push({ provider: provider.id, model: target.model, status: 200, latencyMs });
        metrics.add(METRICS.upstreamCalls, 1, 'Count', { Provider: provider.id, Outcome: 'ok' });
        metrics.add(METRICS.upstreamLatency, latencyMs, 'Milliseconds', { Provider: provider.id });
        return { ok: true, value, signal, slot };
      } catch (caught) {
        const lost = signal.signal.reason instanceof HedgeLost;
        signal.abort();
        if (lost) return { ok: false, slot };
        const err = signal.explain(caught);
        const ended = requestEnded(err, this.attempts);
        if (ended) throw ended;
        if (!(err instanceof ProviderError)) throw err;
        const now = clock.now();
        const latencyMs = now - startedAt;
        this.attempts.push({ provider: provider.id, model: target.model, status: err.status, code: err.code, message: err.message, latencyMs });
        metrics.add(METRICS.upstreamCalls, 1, 'Count', { Provider: provider.id, Outcome: 'error' });
        logger.warn('provider attempt failed', { requestId: this.requestId, provider: provider.id, model: target.model, status: err.status, code: err.code, latencyMs, mode });
        if (countsAgainstBreaker(err)) slot.entry.breaker.onFailure(now, probe, `${err.status || 'no answer'} ${err.code}`);
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
        return { ok: false, slot, error: err };
      } finally {
        if (mode === 'probe') slot.entry.breaker.endProbe();
      }
    })();
    // a hedge's other half may end with the request's deadline while nobody awaits it
    done.catch(() => undefined);
    return { slot, signal, startedAt, done };
  }

  /**
   * Start the first target; if it has not answered by its p95, start the next one that may go now as well.
   * The first answer wins; the other is aborted, recorded, and never charged.
   */
  private async hedged(primary: Slot): Promise<Outcome<T>> {
    const { resilience, clock, metrics, logger } = this.deps;
    const first = this.start(primary, 'allow');
    const delay = resilience.latency.percentile(primary.provider.id, primary.target.model, this.kind, 95, clock.now(), HEDGE_MIN_SAMPLES);
    if (delay === undefined || delay >= first.signal.timeoutMs) return first.done;
    let timer: NodeJS.Timeout | undefined;
    const fired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), delay)));
    const early = await Promise.race([first.done, fired]).finally(() => clearTimeout(timer));
    if (early) return early;
    const now = clock.now();
    // only a target whose breaker is closed: a hedge is no probe
    const partner = this.slots.find((s) => s !== primary && this.eligible(s, now) && s.readyAt <= now && s.entry.breaker.phase(now) === 'closed');
    if (!partner || (await this.overQuota(partner))) return first.done;
    logger.info('hedge started', { requestId: this.requestId, provider: primary.provider.id, hedge: partner.provider.id, afterMs: delay });
    metrics.add(METRICS.hedges, 1, 'Count', { Provider: primary.provider.id, Outcome: 'started' });
    const second = this.start(partner, 'allow');
    const pending = new Set([first, second]);
    let failed: Outcome<T> = { ok: false, slot: primary };
    while (pending.size) {
      const { run, outcome } = await Promise.race([...pending].map((run) => run.done.then((outcome) => ({ run, outcome }))));
      pending.delete(run);
      const final = outcome.ok || (outcome.error !== undefined && !canFallback(outcome.error));
      if (final) {
        for (const loser of pending) this.abandon(loser);
        if (outcome.ok) metrics.add(METRICS.hedges, 1, 'Count', { Provider: run.slot.provider.id, Outcome: 'won' });
        return outcome;
      }
      failed = outcome;
    }
    return failed;
  }

  /** a hedge's loser: stop it, free what it may have opened, and say so (it is not charged) */
  private abandon(run: Started<T>): void {
    const { clock, metrics, logger } = this.deps;
    run.signal.abort(new HedgeLost());
    const { provider, target } = run.slot;
    const latencyMs = clock.now() - run.startedAt;
    this.attempts.push({ provider: provider.id, model: target.model, code: 'hedge_lost', message: 'aborted: another target answered first', latencyMs });
    metrics.add(METRICS.hedges, 1, 'Count', { Provider: provider.id, Outcome: 'lost' });
    logger.info('hedge lost: aborted', { requestId: this.requestId, provider: provider.id, model: target.model, latencyMs });
    run.done.then((o) => o.ok && this.opts.discard?.(o.value)).catch(() => undefined);
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

  private async wait(ms: number): Promise<void> {
    try {
      await sleep(ms, this.deadline.signal);
    } catch (err) {
      throw requestEnded(err, this.attempts) ?? err;
    }
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

/** The request itself ended (its deadline passed, or its client left) while waiting: what the caller gets. */
function requestEnded(err: unknown, attempts: AttemptRecord[]): GatewayError | undefined {
  if (err instanceof DeadlineExceeded) return deadlineError(err, attempts);
  if (err instanceof ClientGone) return errors.clientClosed();
  return undefined;
}

/** A provider's verdict on the request itself (400, context too long) goes back to the caller as such. */
function callerError(err: ProviderError, attempts: AttemptRecord[]): GatewayError {
  if (err.code === 'context_length_exceeded') {
    return new GatewayError(400, 'context_length_exceeded', err.message, { param: 'messages', attempts });
  }
  return new GatewayError(err.status >= 400 && err.status < 500 ? err.status : 502, 'upstream_error', `The provider rejected the request: ${err.message}`, { attempts });
}
