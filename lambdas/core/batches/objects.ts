// OpenAI's File and Batch objects as the API answers them, the ids the gateway gives them, and the object
// store keys where their bytes live.
import { randomBytes } from 'node:crypto';
import type { BatchRecord, FileRecord } from './ports';

/**
 * ids sort by creation: 12 hex digits of the epoch ms, then 12 random ones. A store that keys items by id lists
 * them newest first by reading its keys backwards, and `after` is the id itself.
 */
function sortableId(prefix: string, now: number): string {
  return `${prefix}${now.toString(16).padStart(12, '0')}${randomBytes(6).toString('hex')}`;
}

export const newFileId = (now: number) => sortableId('file-', now);
export const newBatchId = (now: number) => sortableId('batch_', now);
export const newLineRequestId = (now: number) => sortableId('batch_req_', now);

export const FILE_ID = /^file-[0-9a-f]{24}$/;
export const BATCH_ID = /^batch_[0-9a-f]{24}$/;

/** where a file's bytes are: under its tenant, so no key of one tenant names another's object */
export const fileObjectKey = (tenantId: string, fileId: string) => `files/${tenantId}/${fileId}`;
/** a batch's working objects: each chunk's input lines, each piece's output and error lines */
export const chunkInputKey = (tenantId: string, batchId: string, chunk: number) => `work/${tenantId}/${batchId}/in/${chunk}.jsonl`;
export const pieceOutputKey = (tenantId: string, batchId: string, from: number, kind: 'out' | 'err') => `work/${tenantId}/${batchId}/${kind}/${from}.jsonl`;

const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.floor(ms / 1000));

export function fileObject(file: FileRecord): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: seconds(file.createdAt),
    expires_at: seconds(file.expiresAt),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

export function batchObject(batch: BatchRecord): Record<string, unknown> {
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    errors: batch.errors?.length ? { object: 'list', data: batch.errors.map((e) => ({ code: e.code, message: e.message, param: e.param ?? null, line: e.line ?? null })) } : null,
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId ?? null,
    error_file_id: batch.errorFileId ?? null,
    created_at: seconds(batch.createdAt),
    in_progress_at: seconds(batch.inProgressAt),
    expires_at: seconds(batch.expiresAt),
    finalizing_at: seconds(batch.finalizingAt),
    completed_at: seconds(batch.completedAt),
    failed_at: seconds(batch.failedAt),
    expired_at: seconds(batch.expiredAt),
    cancelling_at: seconds(batch.cancellingAt),
    cancelled_at: seconds(batch.cancelledAt),
    request_counts: { total: batch.counts.total, completed: batch.counts.completed, failed: batch.counts.failed },
    metadata: batch.metadata ?? null,
  };
}
