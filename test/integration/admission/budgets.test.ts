// Budgets on the real ledger adapter (dynalite): several instances, retried writes, crashed instances.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCostLedger } from '../../../lambdas/adapters/dynamodb/cost-ledger';
import { DynamoLeaseSweep } from '../../../lambdas/adapters/dynamodb/lease-sweep';
import { Budgets, type Settlement } from '../../../lambdas/core/admission/budgets';
import { sweepExpiredLeases } from '../../../lambdas/core/admission/reconcile';
import type { Alert, BudgetPeriod, CostLedger, OtherRegionsPeriod } from '../../../lambdas/core/ports';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { MemoryLogger } from '../../helpers/logs';

let db: TestDynamo;
beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.stop();
});

const TUNING = { horizonMs: 10_000, shareDivisor: 4, admitMs: 60_000, settleMs: 120_000 };
const silentMetrics = { add: () => {}, flush: () => {} };

class TestClock {
  constructor(public at = Date.now()) {}
  now = () => this.at;
}

function budgetsOn(ledger: CostLedger, clock: TestClock, alerts: Alert[] = [], groupCommitMs = 0): Budgets {
  return new Budgets({ ledger, clock, logger: new MemoryLogger(), metrics: silentMetrics, alerts: { publish: async (a) => void alerts.push(a) } }, { ...TUNING, groupCommitMs });
}

let tenantSeq = 0;
function freshPeriod(): BudgetPeriod {
  return { tenantId: `budget-${++tenantSeq}`, kind: 'day', name: new Date().toISOString().slice(0, 10) };
}

const settlement = (cost: number): Settlement => ({ costNanoUsd: cost, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, provider: 'mock', model: 'mock/echo' });

/** the real ledger, some of its methods replaced */
function overriding(real: CostLedger, overrides: Partial<CostLedger>): CostLedger {
  return new Proxy(real, {
    get: (target, name: keyof CostLedger) => overrides[name] ?? (target[name] as (...args: unknown[]) => unknown).bind(target),
  });
}

/** reserve, then settle at `cost` (or refuse): what one call does to its period */
async function call(b: Budgets, period: BudgetPeriod, limit: number, worst: number, cost: number): Promise<number | undefined> {
  const hold = await b.reserve(period, limit, worst);
  if (!hold) return undefined;
  await b.settle(hold, settlement(cost));
  return cost;
}

describe('Budgets', () => {
  const ledger = () => new DynamoCostLedger(db.client, db.tables.costLedger, 30);

  it('admits exactly what the budget holds when the worst case is the cost, across three instances', async () => {
    const period = freshPeriod();
    const clock = new TestClock();
    const instances = [0, 1, 2].map(() => budgetsOn(ledger(), clock));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => call(instances[i % 3]!, period, 50_000_000, 10_000_000, 10_000_000)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(5);
    const { day } = await ledger().usage(period.tenantId, period.name, period.name.slice(0, 7));
    expect(day).toMatchObject({ costNanoUsd: 50_000_000, requests: 5 });
  });

  it('never spends past the limit and records exactly what settled, in waves under leases', async () => {
    const period = freshPeriod();
    const clock = new TestClock();
    const instances = [0, 1, 2].map(() => budgetsOn(ledger(), clock));
    const limit = 1_000_000_000;
    const worst = 30_000_000;
    let charged = 0;
    for (let wave = 0; wave < 8; wave++) {
      const costs = await Promise.all(Array.from({ length: 15 }, (_, i) => call(instances[i % 3]!, period, limit, worst, ((wave * 15 + i) % 10) * 3_000_000)));
      charged += costs.reduce<number>((sum, c) => sum + (c ?? 0), 0);
      clock.at += 1_000;
    }
    await Promise.all(instances.map((b) => b.closeAll()));
    const { day } = await ledger().usage(period.tenantId, period.name, period.name.slice(0, 7));
    expect(day.costNanoUsd).toBe(charged);
    expect(day.costNanoUsd).toBeLessThanOrEqual(limit);
    expect(day.reservedNanoUsd).toBe(0);
  });

  it("grows an instance's lease by what a call lacks, so the lease's leftover is not stranded beside a new one", async () => {
    const period = freshPeriod();
    const b = budgetsOn(ledger(), new TestClock());
    expect(await call(b, period, 100_000, 60_000, 20_000)).toBe(20_000); // leaves 40 000 of its lease unused
    expect(await call(b, period, 100_000, 70_000, 70_000)).toBe(70_000); // fits: 40 000 held + 30 000 more
    expect(await b.reserve(period, 100_000, 10_001)).toBeUndefined(); // 90 000 spent: 10 000 is all there is
    await b.closeAll();
    expect((await ledger().usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 90_000, reservedNanoUsd: 0 });
  });

  it('with group commit, writes the settlements of calls that end within the window together, and exactly', async () => {
    const period = freshPeriod();
    const real = ledger();
    const writes: string[] = [];
    const counting = overriding(real, {
      flush: (p, f) => (writes.push(`flush of ${f.totals.requests}`), real.flush(p, f)),
      growLease: (...args) => (writes.push('top-up'), real.growLease(...args)),
    });
    const b = budgetsOn(counting, new TestClock(), [], 300);
    const first = call(b, period, 1_000_000, 100_000, 70_000); // opens a lease of 100 000, settles, waits for company
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = call(b, period, 1_000_000, 50_000, 20_000); // 30 000 left: a top-up, not held behind the wait
    expect(await Promise.all([first, second])).toEqual([70_000, 20_000]);
    expect(writes).toEqual(['top-up', 'flush of 2']);
    await b.closeAll();
    expect((await real.usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 90_000, requests: 2, reservedNanoUsd: 0 });
  });

  it('with group commit, closes a lease that stopped admitting at once, giving its unused grant back', async () => {
    const period = freshPeriod();
    const clock = new TestClock();
    // a ten-minute wait would outlast the test's timeout: the last settlement of such a lease must not wait
    const b = budgetsOn(ledger(), clock, [], 600_000);
    const hold = await b.reserve(period, 100_000, 100_000);
    clock.at += TUNING.admitMs + 1;
    await b.settle(hold!, settlement(30_000));
    expect((await ledger().usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 30_000, reservedNanoUsd: 0 });
    expect(await b.reserve(period, 100_000, 70_000)).toBeDefined(); // the 70 000 given back
  });

  it('resolves a batch whose write went through but whose answer was lost, counting it once', async () => {
    const period = freshPeriod();
    const real = ledger();
    let lose = 1;
    const lossy = overriding(real, {
      flush: async (p, f) => {
        const outcome = await real.flush(p, f);
        if (lose-- > 0) throw new Error('socket hang up after the write');
        return outcome;
      },
    });
    const b = budgetsOn(lossy, new TestClock());
    expect(await call(b, period, 1_000_000, 100_000, 70_000)).toBe(70_000);
    expect(await call(b, period, 1_000_000, 100_000, 20_000)).toBe(20_000);
    expect((await real.usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 90_000, requests: 2 });
  });

  it('writes again a batch whose first try failed before reaching the table', async () => {
    const period = freshPeriod();
    const real = ledger();
    let fail = 1;
    const flaky = overriding(real, {
      flush: async (p, f) => {
        if (fail-- > 0) throw new Error('connect ECONNREFUSED');
        return real.flush(p, f);
      },
    });
    const b = budgetsOn(flaky, new TestClock());
    expect(await call(b, period, 1_000_000, 100_000, 40_000)).toBe(40_000);
    expect((await real.usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 40_000, requests: 1 });
  });

  it('keeps a batch it could not write while the table was unreachable, and writes it before the next one', async () => {
    const period = freshPeriod();
    const real = ledger();
    let down = false;
    const unreachable = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const outage = overriding(real, {
      flush: (p, f) => (down ? unreachable() : real.flush(p, f)),
      readLease: (p, id) => (down ? unreachable() : real.readLease(p, id)),
    });
    const b = budgetsOn(outage, new TestClock());
    const first = await b.reserve(period, 1_000_000, 100_000);
    down = true;
    await expect(b.settle(first!, settlement(30_000))).rejects.toThrow('ECONNREFUSED');
    down = false;
    expect(await call(b, period, 1_000_000, 100_000, 50_000)).toBe(50_000);
    expect((await real.usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 80_000, requests: 2 });
  });

  it('releases a lease its crashed instance left, once, giving the budget back', async () => {
    const period = freshPeriod();
    const clock = new TestClock();
    const crashed = budgetsOn(ledger(), clock);
    expect(await crashed.reserve(period, 500_000, 200_000)).toBeDefined(); // and never settled
    const stuck = await ledger().usage(period.tenantId, period.name, '');
    expect(stuck.day.reservedNanoUsd).toBe(200_000);
    const survivor = budgetsOn(ledger(), clock);
    expect(await survivor.reserve(period, 500_000, 400_000)).toBeUndefined();

    const logger = new MemoryLogger();
    const later = clock.at + TUNING.admitMs + TUNING.settleMs + 120_000;
    expect(await sweepExpiredLeases(new DynamoLeaseSweep(db.client, db.tables.costLedger), [period.tenantId], later, logger)).toEqual({ released: 1, returnedNanoUsd: 200_000 });
    expect(await sweepExpiredLeases(new DynamoLeaseSweep(db.client, db.tables.costLedger), [period.tenantId], later, logger)).toEqual({ released: 0, returnedNanoUsd: 0 });
    expect((await ledger().usage(period.tenantId, period.name, '')).day.reservedNanoUsd).toBe(0);
    expect(await survivor.reserve(period, 500_000, 400_000)).toBeDefined();
  });

  it('records a settlement that comes after its lease expired through a fresh channel, and the sweep frees the lease', async () => {
    const period = freshPeriod();
    const clock = new TestClock();
    const b = budgetsOn(ledger(), clock);
    const hold = await b.reserve(period, 1_000_000, 300_000);
    clock.at += TUNING.admitMs + TUNING.settleMs + 1;
    await b.settle(hold!, settlement(250_000));
    await sweepExpiredLeases(new DynamoLeaseSweep(db.client, db.tables.costLedger), [period.tenantId], clock.at + 120_000, new MemoryLogger());
    expect((await ledger().usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 250_000, reservedNanoUsd: 0, requests: 1 });
  });

  it('sends each threshold alert once per period, whichever instance crosses it', async () => {
    const period = freshPeriod();
    const alerts: Alert[] = [];
    const clock = new TestClock();
    const instances = [budgetsOn(ledger(), clock, alerts), budgetsOn(ledger(), clock, alerts)];
    for (let i = 0; i < 12; i++) {
      await call(instances[i % 2]!, period, 100_000, 10_000, 10_000);
      // each instance gives its lease back, so the other can spend the rest and cross the next threshold
      await instances[i % 2]!.closeAll();
    }
    expect(alerts.map((a) => a.attributes.threshold).sort()).toEqual(['100', '80', '90']);
    expect(alerts[0]).toMatchObject({ kind: 'budget_threshold', attributes: { tenant: period.tenantId, period: period.name } });
  });
});

describe('Budgets across regions', () => {
  /** two regions of one deployment on one table, as global tables are once replicated: us-east-1 is the primary */
  const regions = ['us-east-1', 'eu-west-1'];
  const ledgerIn = (own: string) => new DynamoCostLedger(db.client, db.tables.costLedger, 30, { own, all: regions });
  const LIMIT = 100_000_000;
  const CALL = 10_000_000;

  /** a region whose replica has the other regions' items as they were at its last `replicate()` */
  class LaggingReplica {
    readonly real: DynamoCostLedger;
    #seen: OtherRegionsPeriod = { committedNanoUsd: 0, costNanoUsd: 0, alerted: [] };
    constructor(own: string) {
      this.real = ledgerIn(own);
    }
    async replicate(period: BudgetPeriod): Promise<void> {
      this.#seen = (await this.real.otherRegions(period))!;
    }
    get ledger(): CostLedger {
      return overriding(this.real, { otherRegions: async () => this.#seen });
    }
  }

  /** what every region has committed (spent or held) in the period */
  const totalCommitted = async (period: BudgetPeriod) => {
    const { day } = await ledgerIn('us-east-1').usage(period.tenantId, period.name, '');
    return day.costNanoUsd + day.reservedNanoUsd;
  };

  /** a fresh period and an instance in each region */
  const twoRegions = (alerts?: Alert[]) => {
    const clock = new TestClock();
    const [east, west] = regions.map((r) => budgetsOn(ledgerIn(r), clock, alerts));
    return { period: freshPeriod(), east: east!, west: west! };
  };

  /** `n` calls of one CALL each, one after another, all admitted; then the instance gives its lease back */
  const spend = async (b: Budgets, period: BudgetPeriod, n: number, limit = 5 * CALL) => {
    for (let i = 0; i < n; i++) expect(await call(b, period, limit, CALL, CALL)).toBe(CALL);
    await b.closeAll();
  };

  it('admits in one region exactly what the others left, when regions take turns (a failover)', async () => {
    const { period, east, west } = twoRegions();
    const first = await Promise.all(Array.from({ length: 3 }, () => call(east, period, 5 * CALL, CALL, CALL)));
    expect(first.filter((c) => c !== undefined)).toHaveLength(3);
    await east.closeAll(); // its lease ahead goes back
    const second = await Promise.all(Array.from({ length: 10 }, () => call(west, period, 5 * CALL, CALL, CALL)));
    expect(second.filter((c) => c !== undefined)).toHaveLength(2);
    await west.closeAll();
    expect((await ledgerIn('eu-west-1').usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 5 * CALL, requests: 5, reservedNanoUsd: 0 });
  });

  it("gives a grant back at once when the other region's total, read alongside, leaves no room; then asks exactly", async () => {
    const { period, east, west } = twoRegions();
    await spend(east, period, 1); // east last read eu-west-1 at 0
    await spend(west, period, 3);
    // east's own item alone has room for 2 calls' worst case; the fresh reading says only 1 is left
    expect(await east.reserve(period, 5 * CALL, 2 * CALL)).toBeUndefined();
    expect(await totalCommitted(period)).toBe(4 * CALL);
    expect(await call(east, period, 5 * CALL, CALL, CALL)).toBe(CALL);
    await east.closeAll();
    expect(await totalCommitted(period)).toBe(5 * CALL);
  });

  it("takes back a top-up of a held lease that the other region's total, read alongside, leaves no room for", async () => {
    const { period, east, west } = twoRegions();
    const first = await east.reserve(period, 5 * CALL, CALL); // east's lease: 1 call, read eu-west-1 at 0
    await east.settle(first!, settlement(CALL / 5));
    await spend(west, period, 3);
    // east's lease holds 0.8 calls; growing it for 2 calls fits its own item, not the three calls eu-west-1 spent
    expect(await east.reserve(period, 5 * CALL, 2 * CALL)).toBeUndefined();
    expect(await totalCommitted(period)).toBe(4 * CALL);
    expect(await call(east, period, 5 * CALL, 1.8 * CALL, 1.8 * CALL)).toBe(1.8 * CALL);
    await east.closeAll();
    expect((await ledgerIn('eu-west-1').usage(period.tenantId, period.name, '')).day).toMatchObject({ costNanoUsd: 5 * CALL, reservedNanoUsd: 0, requests: 5 });
  });

  it("admits again once another region's hold is given back: a refusal rests on the latest reading", async () => {
    const { period, east, west } = twoRegions();
    const held = await west.reserve(period, 5 * CALL, 4 * CALL);
    expect(held).toBeDefined();
    expect(await east.reserve(period, 5 * CALL, 2 * CALL)).toBeUndefined(); // eu-west-1 holds 4 of 5
    await west.release(held!);
    await west.closeAll();
    // east last read eu-west-1 at 4 calls: its first ask fails against that, the exact one against the reading alongside (0)
    expect(await call(east, period, 5 * CALL, 2 * CALL, 2 * CALL)).toBe(2 * CALL);
  });

  it('passes the limit while replication lags by no more than what the other region granted unseen, and stops once it is seen', async () => {
    const period = freshPeriod();
    const clock = new TestClock();
    const [eastReplica, westReplica] = regions.map((r) => new LaggingReplica(r));
    const [east, west] = [eastReplica!, westReplica!].map((r) => budgetsOn(r.ledger, clock));
    await spend(east!, period, 4, LIMIT);
    await Promise.all([eastReplica!.replicate(period), westReplica!.replicate(period)]);
    const seenByWest = await totalCommitted(period); // all of it us-east-1's

    // us-east-1 goes on; none of it has reached eu-west-1's replica yet
    await spend(east!, period, 2, LIMIT);
    const unseen = (await totalCommitted(period)) - seenByWest;
    let westAdmitted = 0;
    for (let i = 0; i < 10; i++) if ((await call(west!, period, LIMIT, CALL, CALL)) !== undefined) westAdmitted++;
    await west!.closeAll();
    expect(westAdmitted).toBe((LIMIT - seenByWest) / CALL);
    const spent = (await ledgerIn('us-east-1').usage(period.tenantId, period.name, '')).day.costNanoUsd;
    expect(spent - LIMIT).toBeLessThanOrEqual(unseen);

    await Promise.all([eastReplica!.replicate(period), westReplica!.replicate(period)]);
    expect(await east!.reserve(period, LIMIT, CALL)).toBeUndefined();
    expect(await west!.reserve(period, LIMIT, CALL)).toBeUndefined();
  });

  it('sends each threshold alert once in all, whichever region crosses it', async () => {
    const alerts: Alert[] = [];
    const { period, east, west } = twoRegions(alerts);
    for (let i = 0; i < 12; i++) {
      const b = i % 2 ? west : east;
      await call(b, period, 10 * CALL, CALL, CALL);
      await b.closeAll();
    }
    expect(alerts.map((a) => a.attributes.threshold).sort()).toEqual(['100', '80', '90']);
    expect(alerts.find((a) => a.attributes.threshold === '100')!.message).toContain('$0.1 of its $0.1 budget');
  });
});
