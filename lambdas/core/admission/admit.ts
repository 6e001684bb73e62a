// Admission: before a call, the tenant's rate limits, its expensive-call cap and its daily and monthly budgets
// are checked in parallel, from quota leases (usually without a round trip); the call's handle then settles
// what it really cost, or releases what it held, exactly once.
import type { GatewayConfig } from '../config/schema';
import { GatewayError } from '../errors';
import { dayOf, monthOf } from '../periods';
import type { AlertPublisher, BudgetPeriod, Clock, CostLedger, LedgerEntry, Logger, Metrics, RateCounterStore } from '../ports';
import { costNanoUsd, formatUsd, usdToNano } from '../pricing/cost';
import type { PricedTarget, ResolvedModel } from '../routing/resolve';
import type { Tenant } from '../tenants/directory';
import type { OperatorBudget, OperatorHold } from './bill';
import { Budgets, type BudgetHold, type Settlement } from './budgets';
import { describeDimension, dimensionLimits, RateLimiter, rateLimitHeaders, RateTicket, type DimensionLimits, type Refused } from './rate-limits';
import { formatDuration, retryAfterSeconds } from './windows';

/** What one call to a target may take: the bound of its input and the output cap it is sent. */
export interface CallBounds {
  inputTokens: number;
  outputCap: number;
  /** the request marks prompt-cache breakpoints: its input may be written to the cache (dearer than input) */
  cacheWrites?: '5m' | '1h';
}

export interface AdmissionRequest {
  tenant: Tenant;
  route: ResolvedModel;
  /** per target: its input bound and output cap (what a call there may cost at most) */
  bounds: (target: PricedTarget) => CallBounds;
  /**
   * the input tokens token-rate limits count at admission, corrected by the real usage once the call settled: a
   * typical estimate, not the bound (a bound several times the real count would refuse fair calls)
   */
  rateTokens: number;
  /** the request's arrival: the day and month it is charged to */
  receivedAt: number;
}

/** The operator's account in the ledger: its day and month items hold what the operator bore. No tenant id starts with "_". */
export const OPERATOR_ACCOUNT = '_operator';

/** Per provider attempt: undefined to go ahead, or how long until the provider's quota has room again. */
export type ProviderQuotaCheck = (providerId: string) => Promise<{ retryAfterMs: number } | undefined>;

export class AdmissionControl {
  readonly #config: GatewayConfig;
  readonly #rates: RateLimiter;
  readonly #budgets: Budgets;
  readonly #ledger: CostLedger;
  readonly #clock: Clock;

  readonly #providerLimits = new Map<string, DimensionLimits>();

  constructor(
    config: GatewayConfig,
    rates: RateLimiter,
    budgets: Budgets,
    ledger: CostLedger,
    clock: Clock,
  ) {
    this.#config = config;
    this.#rates = rates;
    this.#budgets = budgets;
    this.#ledger = ledger;
    this.#clock = clock;
    for (const p of config.providers) if (p.limits) this.#providerLimits.set(p.id, dimensionLimits(p.limits));
  }

  /** Admit the call or throw the 429 that says why; the handle settles or releases it afterwards. */
  async admit(req: AdmissionRequest): Promise<Admission> {
    const { tenant, route } = req;
    const worst = this.worstCase(route, req.bounds);
    const inputTokens = req.rateTokens;
    const perRequest = tenant.budget.perRequestUsd;
    if (perRequest !== undefined && worst > usdToNano(perRequest)) {
      throw budgetError(
        `This call could cost up to $${formatUsd(worst)}, over the per-request budget of $${perRequest}. Lower max_tokens (or max_completion_tokens) or shorten the input.`,
        'max_tokens',
      );
    }
    const period = (kind: BudgetPeriod['kind']): BudgetPeriod => ({
      tenantId: tenant.id,
      kind,
      name: kind === 'day' ? dayOf(req.receivedAt) : monthOf(req.receivedAt),
    });
    const limitOf = (usd: number | undefined) => (usd === undefined ? undefined : usdToNano(usd));
    const units = { requests: 1, tokens: inputTokens };
    const expensiveCap = this.#isExpensive(tenant, route) ? tenant.budget.expensiveCallsPerHour : undefined;

    const [rate, expensive, day, month] = await Promise.allSettled([
      this.#rates.take(`T#${tenant.id}`, dimensionLimits(tenant.limits), units),
      this.#rates.take(`X#${tenant.id}`, { xph: expensiveCap }, units),
      this.#budgets.reserve(period('day'), limitOf(tenant.budget.dailyUsd), worst),
      this.#budgets.reserve(period('month'), limitOf(tenant.budget.monthlyUsd), worst),
    ]);
    const tickets = [rate, expensive].flatMap((r) => (r.status === 'fulfilled' && r.value instanceof RateTicket ? [r.value] : []));
    const holds = [day, month].flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
    const refusedRates = [rate, expensive].flatMap((r) => (r.status === 'fulfilled' && Array.isArray(r.value) ? r.value : []));
    const refusedBudget = [day, month].find((r) => r.status === 'fulfilled' && r.value === undefined);
    const failed = [rate, expensive, day, month].find((r): r is PromiseRejectedResult => r.status === 'rejected');

    if (failed || refusedBudget || refusedRates.length) {
      for (const t of tickets) t.giveBack();
      await Promise.all(holds.map((h) => this.#budgets.release(h)));
      if (failed) throw failed.reason;
      if (refusedBudget) {
        const which = refusedBudget === day ? `daily budget of $${tenant.budget.dailyUsd}` : `monthly budget of $${tenant.budget.monthlyUsd}`;
        throw budgetError(`The ${which} is spent or held by calls in progress (this call could cost up to $${formatUsd(worst)}).`);
      }
      throw rateError(refusedRates);
    }
    const now = this.#clock.now();
    return new Admission({
      headers: rateLimitHeaders(tickets.flatMap((t) => t.status(now))),
      tickets,
      holds,
      budgets: this.#budgets,
      ledger: this.#ledger,
      takeProvider: (providerId) => this.#takeProvider(providerId, inputTokens),
      worstCase: worst,
    });
  }

  /** The operator's budgets for a request that arrived at `receivedAt`: what extra calls and shadows run on. */
  operator(receivedAt: number): OperatorBudget {
    const limits = this.#config.gateway.operatorBudget;
    const periods = [
      { period: { tenantId: OPERATOR_ACCOUNT, kind: 'day' as const, name: dayOf(receivedAt) }, limit: limits?.dailyUsd },
      { period: { tenantId: OPERATOR_ACCOUNT, kind: 'month' as const, name: monthOf(receivedAt) }, limit: limits?.monthlyUsd },
    ];
    const budgets = this.#budgets;
    return {
      async reserve(worst: number): Promise<OperatorHold | undefined> {
        const holds = await Promise.all(periods.map((p) => budgets.reserve(p.period, p.limit === undefined ? undefined : usdToNano(p.limit), worst)));
        if (holds.some((h) => h === undefined)) {
          await Promise.all(holds.map((h) => h && budgets.release(h)));
          return undefined;
        }
        return {
          settle: async (s: Settlement) => void (await Promise.all(holds.map((h) => budgets.settle(h!, s)))),
          release: async () => void (await Promise.all(holds.map((h) => budgets.release(h!)))),
        };
      },
      async charge(s: Settlement): Promise<void> {
        await Promise.all(periods.map((p) => budgets.charge(p.period, s)));
      },
    };
  }

  /** give unused budget leases back (a process that is stopping) */
  close(): Promise<void> {
    return this.#budgets.closeAll();
  }

  /** the most one call may cost: the dearest target at its input bound and its full output cap */
  worstCase(route: ResolvedModel, bounds: (target: PricedTarget) => CallBounds): number {
    return Math.max(
      0,
      ...route.targets.map((t) => {
        const b = bounds(t);
        const tokens = { input: b.inputTokens, output: b.outputCap, cachedInput: 0, cacheWrite: 0 };
        if (!b.cacheWrites) return costNanoUsd(tokens, t.price);
        // all of the input may be written to the cache, which costs more than reading it fresh
        const written = { ...tokens, cacheWrite: b.inputTokens, cacheWrite1h: b.cacheWrites === '1h' ? b.inputTokens : 0 };
        return Math.max(costNanoUsd(tokens, t.price), costNanoUsd(written, t.price));
      }),
    );
  }

  /** expensive: some target the call may use is priced at or over the tenant's threshold */
  #isExpensive(tenant: Tenant, route: ResolvedModel): boolean {
    const threshold = tenant.budget.expensiveInputPerMTok;
    if (threshold === undefined || tenant.budget.expensiveCallsPerHour === undefined) return false;
    return route.targets.some((t) => t.price.inputPerMTok >= threshold);
  }

  /** the provider's quota, taken per attempt; undefined when the provider has no limits */
  async #takeProvider(providerId: string, tokens: number): Promise<RateTicket | Refused[] | undefined> {
    const limits = this.#providerLimits.get(providerId);
    return limits ? this.#rates.take(`P#${providerId}`, limits, { requests: 1, tokens }) : undefined;
  }
}

interface AdmissionParts {
  /** x-ratelimit-* for the response */
  headers: Record<string, string>;
  /** the most one call of this request may cost */
  worstCase: number;
  tickets: RateTicket[];
  holds: BudgetHold[];
  budgets: Budgets;
  ledger: CostLedger;
  takeProvider(providerId: string): Promise<RateTicket | Refused[] | undefined>;
}

/** One admitted call. Settle it with what it cost, or release it when no provider answered; once either way. */
export class Admission {
  readonly #parts: AdmissionParts;

  #finished = false;
  readonly #providerTickets = new Map<string, RateTicket>();

  constructor(parts: AdmissionParts) {
    this.#parts = parts;
  }

  get headers(): Record<string, string> {
    return this.#parts.headers;
  }

  /** the most one call of this request may cost: what the tenant's budgets hold for it */
  get worstCase(): number {
    return this.#parts.worstCase;
  }

  /** the per-attempt provider quota check for executeWithFallback */
  readonly providerQuota: ProviderQuotaCheck = async (providerId) => {
    const taken = await this.#parts.takeProvider(providerId);
    if (taken instanceof RateTicket) this.#providerTickets.set(providerId, taken);
    if (!Array.isArray(taken)) return undefined;
    return { retryAfterMs: Math.max(...taken.map((r) => r.retryAfterMs)) };
  };

  /** The call is over: correct token counts, settle the budgets and write the ledger entry. */
  async settle(entry: LedgerEntry): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const { tickets, holds, budgets, ledger } = this.#parts;
    const used = entry.tokens.input + entry.tokens.output;
    const settlement: Settlement = {
      costNanoUsd: entry.costNanoUsd,
      operatorCostNanoUsd: entry.operatorCostNanoUsd,
      inputTokens: entry.tokens.input,
      outputTokens: entry.tokens.output,
      cachedInputTokens: entry.tokens.cachedInput,
      provider: entry.provider,
      model: `${entry.provider}/${entry.model}`,
      route: entry.route,
      ...(entry.cache?.status === 'hit' || entry.cache?.status === 'semantic-hit' ? { cacheSavedNanoUsd: entry.cache.savedNanoUsd ?? 0 } : {}),
    };
    // every write is waited for even when one fails (a refused entry must not cut the settlements short)
    const outcomes = await Promise.allSettled([
      ...tickets.map((t) => t.correctTokens(used)),
      this.#providerTickets.get(entry.provider)?.correctTokens(used),
      ...holds.map((h) => budgets.settle(h, settlement)),
      ledger.putEntry(entry),
    ]);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** No provider answered (or the client left first): the call cost nothing; its estimates go back. */
  async release(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const { tickets, holds, budgets } = this.#parts;
    await Promise.all([
      ...[...tickets, ...this.#providerTickets.values()].map((t) => t.correctTokens(0)),
      ...holds.map((h) => budgets.release(h)),
    ]);
  }
}

function budgetError(message: string, param: string | null = null): GatewayError {
  return new GatewayError(429, 'budget_exceeded', message, { param, headers: { 'x-should-retry': 'false' } });
}

function rateError(refused: Refused[]): GatewayError {
  const binding = refused.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
  const unit = binding.dimension === 'tpm' ? 'tokens' : 'requests';
  return new GatewayError(
    429,
    'rate_limit_exceeded',
    `Rate limit reached for ${describeDimension(binding.dimension)} (limit ${binding.limit}). Try again in ${retryAfterSeconds(binding.retryAfterMs)}s.`,
    {
      headers: {
        'retry-after': String(retryAfterSeconds(binding.retryAfterMs)),
        [`x-ratelimit-limit-${unit}`]: String(binding.limit),
        [`x-ratelimit-remaining-${unit}`]: '0',
        [`x-ratelimit-reset-${unit}`]: formatDuration(binding.retryAfterMs),
      },
    },
  );
}

/** an instance leases about 2 s of its own request and token traffic ahead, never more than a quarter of what is left */
const RATE_TUNING = { horizonMs: 2_000, shareDivisor: 4 };
/** budget leases cover about 10 s of this instance's worst cases and admit calls for a minute */
const BUDGET_TUNING = { horizonMs: 10_000, shareDivisor: 4, admitMs: 60_000 };
/** after a lease stops admitting, its calls have the request timeout and this margin to settle */
const SETTLE_MARGIN_MS = 60_000;

export function createAdmissionControl(
  config: GatewayConfig,
  deps: { rateCounters: RateCounterStore; ledger: CostLedger; clock: Clock; logger: Logger; metrics: Metrics; alerts: AlertPublisher },
  /** see BudgetTuning.groupCommitMs */
  groupCommitMs = 0,
): AdmissionControl {
  const rates = new RateLimiter(deps.rateCounters, deps.clock, RATE_TUNING);
  const budgets = new Budgets(deps, { ...BUDGET_TUNING, settleMs: config.gateway.requestTimeoutMs + SETTLE_MARGIN_MS, groupCommitMs });
  return new AdmissionControl(config, rates, budgets, deps.ledger, deps.clock);
}
