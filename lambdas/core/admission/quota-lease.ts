// A quota lease: this instance's slice of one shared allowance that is only ever consumed (a rate window's
// requests or tokens), so most admissions cost no round trip while the shared count stays exact.
//
// The shared count C lives in one item and only grows: each grant is one conditional UpdateItem
// `ADD used :n IF used <= limit - n`, and nothing ever subtracts from it (unused units stay with the instance
// that holds them and lapse with the window). Hence the invariants:
//   1. never over:   units admitted everywhere ≤ Σ grants = C ≤ limit.
//   2. exact refusal: a request is refused only after an ask for exactly its shortfall (its units less this
//      instance's balance) failed, or when that shortfall exceeds an upper bound on what C has left (learned
//      from grants and failed exact asks; valid for the whole window because C never shrinks). So a refusal
//      means the allowance is handed out; what may still be unspent is other instances' balances.
//   3. bounded undercount: a lease is `need + extra`, where `need` is already waiting to be used and
//      extra ≤ min(this instance's demand over the last horizon, what is left / shareDivisor). Near the limit
//      extra falls to 0 and every ask is exact; far from it an instance holds about one horizon of its own
//      traffic. Units that go unspent (an idle or crashed instance) are at most that, and lapse with the window.
import type { Clock } from '../ports';

export interface LeaseTuning {
  /** an instance leases about this much of its own recent demand ahead */
  horizonMs: number;
  /** and never more than this share of what is left (1/shareDivisor) */
  shareDivisor: number;
}

/** What an instance took over about the last horizon (decaying): how much a lease should cover ahead. */
export class Demand {
  #units = 0;
  #at = 0;

  constructor(readonly tuning: LeaseTuning) {}

  add(units: number, now: number): void {
    this.#units = this.#decayed(now) + units;
    this.#at = now;
  }

  /** the lease ahead: this instance's recent demand, at most a share of `room` (what is left past the need) */
  ahead(room: number, now: number): number {
    return room <= 0 ? 0 : Math.max(0, Math.min(Math.ceil(this.#decayed(now)), Math.floor(room / this.tuning.shareDivisor)));
  }

  #decayed(now: number): number {
    return this.#units * Math.exp(-(now - this.#at) / this.tuning.horizonMs);
  }
}

/** the shared count: add units if it stays within the limit; the new count, or undefined when it would not */
export type TakeShared = (units: number) => Promise<number | undefined>;

interface Waiter {
  units: number;
  resolve(admitted: boolean): void;
  reject(err: unknown): void;
}

export class QuotaLease {
  readonly #takeShared: TakeShared;
  readonly #demand: Demand;
  readonly #clock: Clock;

  #balance = 0;
  /** an upper bound on what the shared count has left */
  #remainingAtMost: number;
  readonly #waiters: Waiter[] = [];
  #refilling = false;

  constructor(
    readonly limit: number,
    takeShared: TakeShared,
    tuning: LeaseTuning,
    clock: Clock,
  ) {
    this.#takeShared = takeShared;
    this.#demand = new Demand(tuning);
    this.#clock = clock;
    this.#remainingAtMost = limit;
  }

  /** Admit `units` from the local balance, or ask the shared count for a slice; false: the limit is reached. */
  take(units: number): Promise<boolean> {
    if (this.#waiters.length === 0) {
      if (this.#balance >= units) {
        this.#spend(units);
        return Promise.resolve(true);
      }
      if (units - this.#balance > this.#remainingAtMost) return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve, reject) => {
      this.#waiters.push({ units, resolve, reject });
      if (!this.#refilling) void this.#refill();
    });
  }

  /** units that were taken but not used (another check refused the request, tokens were over-estimated) */
  giveBack(units: number): void {
    this.#balance += units;
  }

  /** take what the local balance has of `units`; the part it lacked, to be charged to the shared count */
  consumeLocal(units: number): number {
    const local = Math.min(this.#balance, units);
    this.#balance -= local;
    return units - local;
  }

  /** units this instance holds and has not spent */
  get held(): number {
    return this.#balance;
  }

  /** what is left for callers of this instance, as far as it knows: an estimate for x-ratelimit-remaining-* */
  get remaining(): number {
    return Math.max(0, this.#remainingAtMost) + this.#balance;
  }

  #spend(units: number): void {
    this.#balance -= units;
    this.#demand.add(units, this.#clock.now());
  }

  async #refill(): Promise<void> {
    this.#refilling = true;
    try {
      while (this.#serveFromBalance()) {
        const need = this.#waiters.reduce((sum, w) => sum + w.units, 0) - this.#balance;
        const extra = this.#extraSlice(need);
        // one ask for everyone waiting (plus a lease ahead); when it fails, each asks exactly for itself
        if (need + extra <= this.#remainingAtMost) {
          const count = await this.#takeShared(need + extra);
          if (count !== undefined) {
            this.#granted(need + extra, count);
            continue;
          }
          this.#remainingAtMost = Math.min(this.#remainingAtMost, need + extra - 1);
        }
        await this.#exactRound();
      }
    } catch (err) {
      for (const w of this.#waiters.splice(0)) w.reject(err);
    } finally {
      this.#refilling = false;
    }
  }

  /** admit waiters in order while the balance covers them, refuse those that cannot fit; true if some wait */
  #serveFromBalance(): boolean {
    while (this.#waiters.length) {
      const head = this.#waiters[0]!;
      if (this.#balance >= head.units) {
        this.#waiters.shift();
        this.#spend(head.units);
        head.resolve(true);
      } else if (head.units - this.#balance > this.#remainingAtMost) {
        this.#waiters.shift();
        head.resolve(false);
      } else {
        return true;
      }
    }
    return false;
  }

  /**
   * At the boundary: the head asks for its shortfall, the others for their units, all at once. The head's
   * part of the balance is set aside meanwhile, and the round stays queued until answered, so nothing that
   * happens in between (a new request, a token correction) can spend what the head's ask counts on.
   */
  async #exactRound(): Promise<void> {
    const round = [...this.#waiters];
    const headLocal = this.#balance;
    this.#balance = 0;
    const asks = round.map((w, i) => (i === 0 ? w.units - headLocal : w.units));
    const counts = await Promise.all(asks.map((ask) => (ask <= this.#remainingAtMost ? this.#takeShared(ask) : undefined)));
    this.#waiters.splice(0, round.length);
    this.#balance += headLocal;
    round.forEach((w, i) => {
      const count = counts[i];
      if (count === undefined) {
        this.#remainingAtMost = Math.min(this.#remainingAtMost, asks[i]! - 1);
        w.resolve(false);
        return;
      }
      this.#granted(asks[i]!, count);
      this.#spend(w.units);
      w.resolve(true);
    });
  }

  #granted(units: number, count: number): void {
    this.#balance += units;
    this.#remainingAtMost = Math.min(this.#remainingAtMost, this.limit - count);
  }

  #extraSlice(need: number): number {
    return this.#demand.ahead(this.#remainingAtMost - need, this.#clock.now());
  }
}
