// The per-request deadline, and the per-attempt timeout that sits inside it.
import { errors } from './errors';
import { ProviderError } from '../providers/types';

/**
 * The request's deadline: when it passes, every call still running for the request is cut off. A client that
 * goes away cuts nothing off — calls already started run to their end so their cost is what the provider
 * reports — but no new call starts for it.
 */
export class Deadline {
  /** made when something asks for the signal (a pause between retries): attempts listen to the deadline itself */
  private controller: AbortController | undefined;
  private readonly timer: NodeJS.Timeout;
  /** what the deadline's passing runs: each running attempt's abort */
  private readonly onPass = new Set<(reason: DeadlineExceeded) => void>();
  /** set once the deadline has passed */
  passed: DeadlineExceeded | undefined;
  readonly at: number;

  constructor(
    readonly ms: number,
    now: number,
    /** the client's connection */
    private readonly client?: AbortSignal,
  ) {
    this.at = now + ms;
    this.timer = setTimeout(() => this.pass(new DeadlineExceeded(ms)), ms);
    this.timer.unref?.();
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.passed) this.controller.abort(this.passed);
    }
    return this.controller.signal;
  }

  /** run `listener` when the deadline passes (at once if it has); the returned function forgets it */
  whenPassed(listener: (reason: DeadlineExceeded) => void): () => void {
    if (this.passed) {
      listener(this.passed);
      return () => {};
    }
    this.onPass.add(listener);
    return () => this.onPass.delete(listener);
  }

  private pass(reason: DeadlineExceeded): void {
    this.passed = reason;
    this.controller?.abort(reason);
    for (const listener of this.onPass) listener(reason);
    this.onPass.clear();
  }

  /** the client went away: start nothing more for it */
  get clientGone(): boolean {
    return this.client?.aborted === true;
  }

  /** every call of the request is over: the deadline has nothing left to cut off */
  clear(): void {
    clearTimeout(this.timer);
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

class StreamIdle extends Error {}

/**
 * The reason of an attempt ended without one (its stream is over, or it failed): an AbortError as an abort
 * without a reason gives, made once — the DOMException each such abort would otherwise build costs more
 * than the rest of the abort.
 */
class AttemptEnded extends Error {
  constructor() {
    super('the call is over');
    this.name = 'AbortError';
  }
}
const ATTEMPT_ENDED = new AttemptEnded();

/**
 * One provider call. Its timeout does not stop it: `expired` resolves, and the request may go on to another
 * target beside it. It is aborted by the request's deadline, by a served stream's idle timeout, or by `abort()`
 * (its stream ended).
 */
export class AttemptSignal {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly forgetDeadline: () => void;
  /** resolves when the call's timeout passes before its answer started */
  readonly expired: Promise<void>;
  private expire!: () => void;

  constructor(
    deadline: Deadline,
    readonly timeoutMs: number,
    /** streams: the longest silence allowed between chunks once the answer started */
    readonly idleMs = timeoutMs,
  ) {
    this.expired = new Promise((resolve) => (this.expire = resolve));
    this.forgetDeadline = deadline.whenPassed((reason) => this.controller.abort(reason));
    this.startTimer(timeoutMs, () => this.expire());
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** the answer started: from here only the deadline (or abort) ends it */
  stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** (re)start the idle timeout: call before waiting for each chunk of a served stream */
  watchIdle(): void {
    this.startTimer(this.idleMs, () => this.controller.abort(new StreamIdle()));
  }

  private startTimer(ms: number, fire: () => void): void {
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(fire, ms);
    this.timer.unref?.();
  }

  /** end the attempt for good and free its listeners */
  abort(reason: unknown = ATTEMPT_ENDED): void {
    this.stopTimer();
    this.forgetDeadline();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Turn an abort into what it means: a stream gone idle, or the request's deadline. */
  explain(err: unknown): unknown {
    if (!this.controller.signal.aborted) return err;
    const reason = this.controller.signal.reason;
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
