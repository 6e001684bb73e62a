// Upload limits of POST /v1/files, apart from the zod settings schema so the gateway bundle does not load zod for them.
import type { BatchSettings } from './settings';

/** Lambda takes request bodies up to 6 MB, API Gateway up to 10 MB: a file with its multipart envelope must fit */
export const MAX_UPLOAD_BYTES = 6 * 1000 * 1000 - 64 * 1024;

/** room for the multipart envelope (boundaries, part headers, the purpose field) around an uploaded file */
export const UPLOAD_ENVELOPE_BYTES = 64 * 1024;

/** the largest request body POST /v1/files takes: the file limit and its envelope (never less than any request's) */
export function uploadLimit(config: { gateway: { maxRequestBytes: number }; batches: Pick<BatchSettings, 'maxFileBytes'> }): number {
  return Math.max(config.gateway.maxRequestBytes, config.batches.maxFileBytes + UPLOAD_ENVELOPE_BYTES);
}
