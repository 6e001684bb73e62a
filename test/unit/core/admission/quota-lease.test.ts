import { describe, expect, it } from 'vitest';
import { QuotaLease } from '../../../../lambdas/core/admission/quota-lease';

/** One window's shared count, as the conditional ADD keeps it: a round trip later, all or nothing. */
class SharedCount {
  count = 0;
  calls = 0;
  failNext = false;
  /** runs when an ask arrives, before it is answered */
  onAsk: (units: number) => void = () => {};
  constructor(readonly limit: number) {}
  take = async (units: number): Promise<number | undefined> => {
    this.calls++;
    this.onAsk(units);
    await new Promise((r) => setImmediate(r));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store unavailable');
    }
    if (this.count + units > this.limit) return undefined;
    this.count += units;
    return this.count;
  };
}

const tuning = { horizonMs: 2_000, shareDivisor: 4 };
const fixedClock = { now: () => 1_000_000 };

function instances(n: number, shared: SharedCount): QuotaLease[] {
  return Array.from({ length: n }, () => new QuotaLease(shared.limit, shared.take, tuning, fixedClock));
}

async function admittedOf(takes: Array<Promise<boolean>>): Promise<number> {
  return (await Promise.all(takes)).filter(Boolean).length;
}

describe('QuotaLease', () => {
  it('admits exactly the limit across instances taking concurrently', async () => {
    const shared = new SharedCount(50);
    const leases = instances(4, shared);
    const admitted = await admittedOf(Array.from({ length: 200 }, (_, i) => leases[i % 4]!.take(1)));
    expect(admitted).toBe(50);
    expect(shared.count).toBe(50);
  });

  it('admits exactly when demand arrives in waves, each instance holding a lease from the last one', async () => {
    const shared = new SharedCount(100);
    const leases = instances(3, shared);
    let admitted = 0;
    for (let wave = 0; wave < 10; wave++) admitted += await admittedOf(Array.from({ length: 15 }, (_, i) => leases[i % 3]!.take(1)));
    // every refusal came after the shared count was spent: what is not admitted is held by instances, unspent
    expect(shared.count).toBe(100);
    expect(admitted + leases.reduce((sum, l) => sum + l.held, 0)).toBe(100);
  });

  it('amortizes round trips far from the limit: a busy instance leases ahead, growing with its demand', async () => {
    const shared = new SharedCount(100_000);
    const [lease] = instances(1, shared);
    for (let i = 0; i < 500; i++) expect(await lease!.take(1)).toBe(true);
    expect(shared.calls).toBeLessThanOrEqual(10);
  });

  it('takes no more than a share of what is left, so an instance that goes idle strands little', async () => {
    const shared = new SharedCount(40);
    const [busy, other] = instances(2, shared);
    for (let i = 0; i < 20; i++) await busy!.take(1);
    const stranded = busy!.held;
    expect(shared.count).toBe(20 + stranded);
    // at 20 taken the room left was 20: a lease ahead may be at most a quarter of it
    expect(stranded).toBeLessThanOrEqual(5);
    expect(await admittedOf(Array.from({ length: 40 }, () => other!.take(1)))).toBe(40 - 20 - stranded);
  });

  it('refuses without a round trip once the window is known to be spent', async () => {
    const shared = new SharedCount(3);
    const [lease] = instances(1, shared);
    expect(await admittedOf(Array.from({ length: 5 }, () => lease!.take(1)))).toBe(3);
    const calls = shared.calls;
    expect(await lease!.take(1)).toBe(false);
    expect(shared.calls).toBe(calls);
  });

  it('serves units given back, and takes an over-estimate from the balance before the shared count', async () => {
    const shared = new SharedCount(1_000);
    const [lease] = instances(1, shared);
    expect(await lease!.take(100)).toBe(true);
    lease!.giveBack(60);
    const calls = shared.calls;
    expect(await lease!.take(50)).toBe(true);
    expect(lease!.consumeLocal(25)).toBe(15);
    expect(shared.calls).toBe(calls);
  });

  it('admits a request whose units fit what is left, even after a larger one was refused', async () => {
    const shared = new SharedCount(100);
    const [lease] = instances(1, shared);
    expect(await lease!.take(90)).toBe(true);
    expect(await lease!.take(20)).toBe(false);
    expect(await lease!.take(10)).toBe(true);
  });

  it('does not let a request arriving during an exact ask spend the balance that ask counts on', async () => {
    const shared = new SharedCount(100);
    const [a, b] = instances(2, shared);
    expect(await a!.take(60)).toBe(true);
    a!.giveBack(30); // the call used 30 of its 60 estimated tokens: A holds 30
    expect(await b!.take(32)).toBe(true);
    let late: Promise<boolean> | undefined;
    shared.onAsk = (units) => {
      if (units === 5) late ??= a!.take(30); // arrives while the head's exact ask for its shortfall is out
    };
    expect(await a!.take(35)).toBe(true);
    expect(await late).toBe(false);
    expect(a!.held).toBeGreaterThanOrEqual(0);
    expect(shared.count).toBe(97);
  });

  it('does not let a token correction during an exact ask spend the balance that ask counts on', async () => {
    const shared = new SharedCount(100);
    const [a, b] = instances(2, shared);
    expect(await a!.take(60)).toBe(true);
    a!.giveBack(30);
    expect(await b!.take(32)).toBe(true);
    let charged: number | undefined;
    shared.onAsk = (units) => {
      if (units === 5) charged ??= a!.consumeLocal(20); // another call's usage came in 20 tokens over its estimate
    };
    expect(await a!.take(35)).toBe(true);
    expect(charged).toBe(20); // none of it came out of the balance set aside for the head: it is charged instead
    expect(a!.held).toBe(0);
  });

  it('fails closed: when the store fails, the waiting requests fail with it', async () => {
    const shared = new SharedCount(10);
    const [lease] = instances(1, shared);
    shared.failNext = true;
    await expect(lease!.take(1)).rejects.toThrow('store unavailable');
    expect(await lease!.take(1)).toBe(true);
  });
});
