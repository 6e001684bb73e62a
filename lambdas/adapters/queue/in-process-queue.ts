// The WorkQueue of local runs: an in-process priority queue (high before normal before low, first in first out
// within a priority) drained by a few concurrent workers, with SQS's habits where tests can see them: delayed
// sends, and a unit of work that fails is tried again up to `maxReceives` times, then set aside (the local
// dead-letter list) and logged.
import type { BatchWork, Priority, WorkQueue } from '../../core/batches/ports';
import type { Logger } from '../../core/ports';

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

interface Queued {
  work: BatchWork;
  priority: Priority;
  seq: number;
  receives: number;
}

export type WorkHandler = (work: BatchWork, signal: AbortSignal) => Promise<void>;

export class InProcessWorkQueue implements WorkQueue {
  readonly #items: Queued[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly dead: BatchWork[] = [];
  #seq = 0;
  readonly #waiting = new Set<() => void>();

  constructor(
    /** where failures are logged (the local server sets its runtime's logger once it exists) */
    public logger: Logger,
    private readonly maxReceives = 3,
  ) {}

  async send(work: BatchWork[], opts: { priority: Priority; delayMs?: number }): Promise<void> {
    const enqueue = () => {
      for (const w of work) this.#items.push({ work: w, priority: opts.priority, seq: this.#seq++, receives: 0 });
      this.#notify();
    };
    if (!opts.delayMs) return enqueue();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      enqueue();
    }, opts.delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** this queue hands out work in priority order already: a running piece never needs to step aside */
  async waitingAbove(): Promise<boolean> {
    return false;
  }

  /** work waiting, by priority (the dashboard's queue depth, locally) */
  depth(): Record<Priority, number> {
    const depth = { high: 0, normal: 0, low: 0 };
    for (const item of this.#items) depth[item.priority]++;
    return depth;
  }

  /** run `workers` consumers of the queue until close() */
  start(handler: WorkHandler, workers: number): void {
    for (let n = 0; n < workers; n++) {
      const loop = this.#consume(handler);
      this.#running.add(loop);
      void loop.finally(() => this.#running.delete(loop));
    }
  }

  /** stop handing out work; running work is told to stop (its signal) and waited for */
  async close(): Promise<void> {
    this.#stop.abort();
    for (const t of this.#timers) clearTimeout(t);
    this.#notify();
    await Promise.all([...this.#running]);
  }

  async #consume(handler: WorkHandler): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const item = this.#next();
      if (!item) {
        await new Promise<void>((resolve) => this.#waiting.add(resolve));
        continue;
      }
      item.receives++;
      try {
        await handler(item.work, this.#stop.signal);
      } catch (err) {
        if (item.receives < this.maxReceives) {
          this.logger.warn('batch work failed; it is tried again', { work: describeWork(item.work), receives: item.receives, error: (err as Error).message });
          this.#items.push(item);
        } else {
          this.logger.error('batch work failed too often; set aside (dead-letter)', { work: describeWork(item.work), error: (err as Error).message });
          this.dead.push(item.work);
        }
        this.#notify();
      }
    }
  }

  #next(): Queued | undefined {
    if (this.#items.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < this.#items.length; i++) {
      const a = this.#items[i]!;
      const b = this.#items[best]!;
      if (RANK[a.priority] < RANK[b.priority] || (RANK[a.priority] === RANK[b.priority] && a.seq < b.seq)) best = i;
    }
    return this.#items.splice(best, 1)[0];
  }

  #notify(): void {
    // every waiting consumer looks again; those that find nothing wait again
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  }
}

function describeWork(work: BatchWork): string {
  return work.kind === 'plan' ? `plan ${work.batchId}` : `lines ${work.from}-${work.end} of ${work.batchId}`;
}
