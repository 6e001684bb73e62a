// The per-request deadline, and the per-attempt timeout that sits inside it.
import { errors } from './errors';
import { ProviderError } from '../providers/types';

export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly at: number;

  constructor(
    readonly ms: number,
    now: number,
    /** the client's connection: when it goes away, everything in flight for it stops */
    private readonly client?: AbortSignal,
  ) {
    this.at = now + ms;
    this.timer = setTimeout(() => this.controller.abort(new DeadlineExceeded(ms)), ms);
    this.timer.unref?.();
    if (client?.aborted) this.controller.abort(new ClientGone());
    else client?.addEventListener('abort', this.onClientGone, { once: true });
  }

  private readonly onClientGone = () => this.controller.abort(new ClientGone());

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.client?.removeEventListener('abort', this.onClientGone);
  }
}

export class ClientGone extends Error {
  constructor() {
    super('the client went away');
    this.name = 'ClientGone';
  }
}

export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`deadline of ${ms} ms passed`);
    this.name = 'DeadlineExceeded';
  }
}

class AttemptTimedOut extends Error {}
class StreamIdle extends Error {}

/**
 * One provider attempt: aborted by its own timeout (a retryable ProviderError, so the next target gets a
 * chance), by the request deadline, later by the stream's idle timeout, or by `abort()` (the client left,
 * a stream ended, a hedge lost).
 */
export class AttemptSignal {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onDeadline = () => this.controller.abort(this.deadline.signal.reason);

  constructor(
    private readonly deadline: Deadline,
    readonly timeoutMs: number,
    /** streams: the longest silence allowed between chunks once the answer started */
    readonly idleMs = timeoutMs,
  ) {
    if (deadline.signal.aborted) this.controller.abort(deadline.signal.reason);
    else deadline.signal.addEventListener('abort', this.onDeadline, { once: true });
    this.startTimer(timeoutMs, AttemptTimedOut);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** the answer started: from here only the deadline (or abort) ends it */
  stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** (re)start the idle timeout: call before waiting for each chunk of a stream */
  watchIdle(): void {
    this.startTimer(this.idleMs, StreamIdle);
  }

  private startTimer(ms: number, Reason: new () => Error): void {
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => this.controller.abort(new Reason()), ms);
    this.timer.unref?.();
  }

  /** end the attempt for good and free its listeners */
  abort(reason?: unknown): void {
    this.stopTimer();
    this.deadline.signal.removeEventListener('abort', this.onDeadline);
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Turn an abort into what it means: this attempt's timeout, or the request's deadline. */
  explain(err: unknown): unknown {
    if (!this.controller.signal.aborted) return err;
    const reason = this.controller.signal.reason;
    if (reason instanceof AttemptTimedOut) {
      return new ProviderError({ status: 504, retryable: true, code: 'timeout', message: `no answer within ${this.timeoutMs} ms` });
    }
    if (reason instanceof StreamIdle) {
      return new ProviderError({ status: 504, retryable: true, code: 'idle_timeout', message: `no chunk for ${this.idleMs} ms` });
    }
    if (reason instanceof DeadlineExceeded || reason instanceof ClientGone) return reason;
    return err;
  }
}

export function deadlineError(err: DeadlineExceeded, attempts?: Parameters<typeof errors.timeout>[1]) {
  return errors.timeout(err.ms, attempts);
}
