// The Files and Batches APIs' ports (re-exported by core/ports.ts): the records kept in DynamoDB, the store
// that keeps them, and the queue that carries batch work to the workers (SQS in AWS, in-process locally).

export const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/embeddings', '/v1/responses', '/v1/messages'] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** a status from which nothing moves on */
export const FINAL_STATUSES: readonly BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];

export type FilePurpose = 'batch' | 'batch_output';

/** An uploaded (or produced) file: its bytes are in the object store under `objectKey`. */
export interface FileRecord {
  id: string;
  tenantId: string;
  filename: string;
  purpose: FilePurpose;
  bytes: number;
  /** epoch ms */
  createdAt: number;
  /** epoch ms after which the file is gone */
  expiresAt: number;
  objectKey: string;
}

/** One problem found while validating a batch's input, as OpenAI lists it (`line` counts from 1). */
export interface BatchProblem {
  code: string;
  message: string;
  param?: string | null;
  line?: number | null;
}

export interface BatchCounts {
  total: number;
  completed: number;
  failed: number;
}

export interface BatchRecord {
  id: string;
  tenantId: string;
  endpoint: BatchEndpoint;
  inputFileId: string;
  completionWindow: string;
  status: BatchStatus;
  priority: Priority;
  metadata?: Record<string, string>;
  /** epoch ms of each step reached */
  createdAt: number;
  /** the end of the completion window: lines not done by then expire */
  expiresAt: number;
  inProgressAt?: number;
  finalizingAt?: number;
  completedAt?: number;
  failedAt?: number;
  expiredAt?: number;
  cancellingAt?: number;
  cancelledAt?: number;
  counts: BatchCounts;
  /** lines whose results are written (or which will never run), counted once per piece of work */
  linesDone: number;
  /** first line index of every piece accounted (its results sit under that index) */
  pieces: number[];
  outputFileId?: string;
  errorFileId?: string;
  errors?: BatchProblem[];
  /** epoch ms when the record is dropped (retention) */
  retainUntil: number;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

/** Files and batch jobs per tenant: every read is keyed by the tenant, so another tenant's id reads as absent. */
export interface BatchStore {
  putFile(file: FileRecord): Promise<void>;
  getFile(tenantId: string, id: string): Promise<FileRecord | undefined>;
  /** newest first (or oldest first), after the id `after` */
  listFiles(tenantId: string, opts: { purpose?: string; after?: string; limit: number; order: 'asc' | 'desc' }): Promise<Page<FileRecord>>;
  /** false when the tenant has no such file */
  deleteFile(tenantId: string, id: string): Promise<boolean>;

  createBatch(batch: BatchRecord): Promise<void>;
  /** strongly consistent: a worker reads it between lines to see a cancel */
  getBatch(tenantId: string, id: string): Promise<BatchRecord | undefined>;
  /** newest first, after the id `after` */
  listBatches(tenantId: string, opts: { after?: string; limit: number }): Promise<Page<BatchRecord>>;
  /** every tenant's batches (the operator's CLI), newest first, at most `limit` */
  allBatches(limit: number): Promise<BatchRecord[]>;
  /**
   * Move the batch to `to` (setting `at` to now under the status's own timestamp and `set`) only when its status
   * is one of `from` (one conditional UpdateItem): false when it was not.
   */
  transition(tenantId: string, id: string, from: readonly BatchStatus[], to: BatchStatus, at: number, set?: Partial<Pick<BatchRecord, 'counts' | 'outputFileId' | 'errorFileId' | 'errors'>>): Promise<boolean>;
  /** lines finished (the progress counters; the final counts are taken from the files) */
  countLines(tenantId: string, id: string, done: { completed: number; failed: number }): Promise<void>;
  /**
   * Account for the piece of work starting at line `start` that covered `lines` lines: once per start (one
   * conditional UpdateItem). The lines accounted in all after it, or undefined when it was accounted before.
   */
  accountPiece(tenantId: string, id: string, start: number, lines: number): Promise<number | undefined>;
}

/** A unit of batch work: validate a batch (`plan`) or run lines [from, end) of the chunk that starts at `chunk`. */
export type BatchWork =
  | { kind: 'plan'; tenantId: string; batchId: string }
  | { kind: 'lines'; tenantId: string; batchId: string; chunk: number; from: number; end: number };

export interface WorkQueue {
  /** queue work at a priority, visible after `delayMs` (SQS: at most 15 minutes) */
  send(work: BatchWork[], opts: { priority: Priority; delayMs?: number }): Promise<void>;
  /** whether work of a higher priority than `priority` is waiting (a worker of lower work then steps aside) */
  waitingAbove(priority: Priority): Promise<boolean>;
}

/** What the Files and Batches routes need (GatewayDeps.batches); absent: the routes answer 404. */
export interface BatchServices {
  store: BatchStore;
  /** file bytes and batch work (ObjectStore in core/ports.ts) */
  objects: import('../ports').ObjectStore;
  queue: WorkQueue;
}
