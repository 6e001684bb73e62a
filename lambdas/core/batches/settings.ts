// The `batches` section of the gateway config: how big an uploaded file may be, how batch work is cut into
// chunks, and how much of each tenant rate limit batch lines may use (docs/batches.md).
import * as z from 'zod';
import { MAX_UPLOAD_BYTES } from './limits';


export const batchSettings = z.strictObject({
  /**
   * Serve the Files and Batches APIs. In AWS this deploys the batch queues, their dead-letter queue and its
   * alarm, the files bucket and the worker function: the alarm and the queues' idle polling cost about $0.89 a
   * month (README, "Batches"), so a deployment opts in.
   */
  enabled: z.boolean().default(false),
  /** the largest JSONL file POST /v1/files takes (bytes of the file; the multipart envelope comes on top) */
  maxFileBytes: z.number().int().positive().max(MAX_UPLOAD_BYTES).default(5 * 1024 * 1024),
  /**
   * the most files a tenant may keep at once (uploads and batch outputs, until deleted or expired): with
   * maxFileBytes, the most S3 storage one tenant can hold on the operator's bill (100 × 5 MiB ≈ $0.01 a month)
   */
  maxFilesPerTenant: z.number().int().positive().max(10_000).default(100),
  /** the most lines one batch may hold */
  maxLines: z.number().int().positive().max(50_000).default(50_000),
  /** lines per unit of queued work (one SQS message, one worker invocation at a time) */
  linesPerChunk: z.number().int().positive().max(1_000).default(50),
  /**
   * The share of each of a tenant's rate limits (requests and tokens per minute, hour, day) its batch lines may
   * use; the rest stays for its interactive calls. 1: batches may use all of it.
   */
  rateShare: z.number().gt(0).max(1).default(0.5),
  /** how long uploaded files, batch outputs and batch records are kept */
  retentionDays: z.number().int().positive().default(30),
  /**
   * Chunks worked on at once: locally the in-process workers; in AWS the maxConcurrency of the normal and low
   * queues' event source mappings (at least 2), twice that for high
   */
  workers: z.number().int().positive().max(500).default(4),
});

export type BatchSettings = z.infer<typeof batchSettings>;

