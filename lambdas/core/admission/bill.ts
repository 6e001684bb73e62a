// One request's money: every upstream call it starts, what each cost, and who bears it. The tenant's budget
// reservation covers one call — the one that served, or, when none did, the first it started. Every other call
// that runs beside an earlier one (a retry while a timed-out call is still running, a hedge) starts only on an
// operator hold of its worst case, and is the operator's. A call once started runs to its end, so its cost is
// what its provider reports; only a call cut off by the request's deadline or a failure mid-stream is
// estimated (its input bound and the text it had sent). See docs/money.md.
import type { ModelPrice } from '../config/schema';
import type { Usage } from '../openai/chat-response';
import type { TokenCounts } from '../ports';
import { costNanoUsd, tokenCounts } from '../pricing/cost';
import type { Settlement } from './budgets';

/** The operator's side of the budgets: what the gateway spends on its own account. */
export interface OperatorBudget {
  /** hold `worst` nano-USD of the operator's daily and monthly budgets; undefined: no room */
  reserve(worst: number): Promise<OperatorHold | undefined>;
  /** record a cost nobody reserved (a call that cost more than nothing without a hold); may overdraw */
  charge(settlement: Settlement): Promise<void>;
}

export interface OperatorHold {
  settle(settlement: Settlement): Promise<void>;
  release(): Promise<void>;
}

/** How a call ended, for its cost: reported usage, an error answer (nothing billed), or cut off (estimated). */
export type CallEnd = { usage: Usage } | { error: true } | { cut: true };

export class BilledCall {
  /** the provider's usage, or the estimate of a call cut off */
  usage: Usage | undefined;
  estimated = false;
  /** the answer's text as it arrived: the estimate of a call cut off, the length shadows compare */
  text = '';
  status: number | undefined;
  readonly ended: Promise<void>;
  #end!: () => void;
  #over = false;

  constructor(
    readonly provider: string,
    readonly model: string,
    readonly price: ModelPrice,
    private readonly estimate: (text: string, call: { provider: string; model: string }) => Usage,
    private readonly oneHourCache: boolean,
  ) {
    this.ended = new Promise((resolve) => (this.#end = resolve));
  }

  get over(): boolean {
    return this.#over;
  }

  /** The call is over; its first end counts. */
  finish(end: CallEnd, status?: number): void {
    if (this.#over) return;
    this.#over = true;
    this.status ??= status;
    if ('usage' in end) this.usage = end.usage;
    else if ('cut' in end) {
      // the provider had the prompt and may have produced more than arrived: its input bound and what it sent
      this.usage = this.estimate(this.text, this);
      this.estimated = true;
    }
    this.#end();
  }

  get tokens(): TokenCounts {
    return tokenCounts(this.usage, { oneHourCache: this.oneHourCache });
  }

  get costNanoUsd(): number {
    return this.usage ? costNanoUsd(this.tokens, this.price) : 0;
  }
}

export interface BillLines {
  /** the call the tenant pays for, if any was made */
  tenant: BilledCall | undefined;
  /** the calls the operator bears */
  operator: BilledCall[];
}

export class Bill {
  readonly calls: BilledCall[] = [];
  readonly #holds: OperatorHold[] = [];

  constructor(
    /** the most one call of this request may cost: what each operator hold covers */
    readonly worstCase: number,
    private readonly operator: OperatorBudget,
    private readonly estimate: (text: string, call: { provider: string; model: string }) => Usage,
    /** the request asked for one-hour prompt-cache entries */
    private readonly oneHourCache = false,
  ) {}

  /** A call starts. */
  open(provider: string, model: string, price: ModelPrice): BilledCall {
    const call = new BilledCall(provider, model, price, this.estimate, this.oneHourCache);
    this.calls.push(call);
    return call;
  }

  /** Room for one more call beside a running one: an operator hold of its worst case; false: no room. */
  async extra(worst = this.worstCase): Promise<boolean> {
    const hold = await this.operator.reserve(worst);
    if (hold) this.#holds.push(hold);
    return hold !== undefined;
  }

  /** Once every call is over: who bears which. */
  async lines(served?: BilledCall): Promise<BillLines> {
    await Promise.all(this.calls.map((c) => c.ended));
    const tenant = served ?? this.calls[0];
    return { tenant, operator: this.calls.filter((c) => c !== tenant) };
  }

  /** Settle the operator's calls against its holds (one each), charge any beyond them, and free the rest. */
  async settleOperator(calls: BilledCall[], settlement: (call: BilledCall) => Settlement): Promise<void> {
    const holds = this.#holds.splice(0);
    const work: Array<Promise<void>> = [];
    for (const call of calls) {
      if (call.costNanoUsd === 0) continue;
      const hold = holds.shift();
      work.push(hold ? hold.settle(settlement(call)) : this.operator.charge(settlement(call)));
    }
    work.push(...holds.map((h) => h.release()));
    await Promise.all(work);
  }
}
