// What the cold-start driver prints for the bench to read: one line, this prefix, then JSON.

export const RESULT_PREFIX = 'BENCH_COLD_RESULT ';

export interface ColdResult {
  /** ms since the process started (performance.timeOrigin), when each step was over */
  driverStartMs: number;
  loadedMs: number;
  /** the response stream ended: the client has its last byte */
  answeredMs: number;
  /** the handler returned: after-response work (the ledger write) is done too */
  handlerDoneMs: number;
  status: number;
  bodyBytes: number;
}
