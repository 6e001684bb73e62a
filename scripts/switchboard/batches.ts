// The operator's view of batch jobs: `batches list [--tenant ID]`, `batches show --tenant ID --id BATCH_ID`,
// `batches cancel --tenant ID --id BATCH_ID`, each with a progress bar, read from (and, to cancel, written to)
// the batches table. A cancel is what POST /v1/batches/{id}/cancel does: the workers see it between lines.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBatchStore } from '../../lambdas/adapters/dynamodb/batch-store';
import type { BatchRecord } from '../../lambdas/core/batches/ports';

export const BATCH_HELP = `  batches list [--tenant ID]                          every tenant's batches (or one's), newest first, with progress
  batches show --tenant ID --id BATCH_ID
  batches cancel --tenant ID --id BATCH_ID            stops new lines within seconds; what finished is kept`;

export interface BatchCommandContext {
  dynamo: DynamoDBClient;
  table: string;
  tenant?: string;
  id?: string;
  now: number;
  out(line: string): void;
}

const BAR_WIDTH = 20;

/** `[████████░░░░░░░░░░░░]  40%  80/200, 2 failed` */
export function progressBar(batch: Pick<BatchRecord, 'counts' | 'status'>): string {
  const { total, completed, failed } = batch.counts;
  const done = completed + failed;
  const share = total > 0 ? Math.min(1, done / total) : batch.status === 'completed' ? 1 : 0;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${done}/${total}${failed ? `, ${failed} failed` : ''}`;
}

const at = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

export class BatchCommandError extends Error {}

export const BATCH_COMMANDS: Record<string, (ctx: BatchCommandContext) => Promise<void>> = {
  'batches list': async (ctx) => {
    const store = new DynamoBatchStore(ctx.dynamo, ctx.table);
    const batches = ctx.tenant ? (await store.listBatches(ctx.tenant, { limit: 100 })).data : await store.allBatches(100);
    if (batches.length === 0) return ctx.out('no batches');
    for (const b of batches) ctx.out(`${b.id}  ${b.tenantId.padEnd(12)} ${b.endpoint.padEnd(21)} ${b.priority.padEnd(6)} ${b.status.padEnd(11)} ${progressBar(b)}  ${at(b.createdAt)}`);
  },

  'batches show': async (ctx) => {
    const batch = await found(ctx);
    const lines = [
      `batch ${batch.id} of tenant ${batch.tenantId}`,
      `  status:      ${batch.status}`,
      `  progress:    ${progressBar(batch)}`,
      `  endpoint:    ${batch.endpoint}   priority: ${batch.priority}   input: ${batch.inputFileId}`,
      `  created:     ${at(batch.createdAt)}   window ends: ${at(batch.expiresAt)}`,
      ...(batch.inProgressAt ? [`  in progress: ${at(batch.inProgressAt)}`] : []),
      ...(['completedAt', 'failedAt', 'expiredAt', 'cancellingAt', 'cancelledAt'] as const).filter((k) => batch[k]).map((k) => `  ${k.replace(/At$/, '').padEnd(11)}: ${at(batch[k])}`),
      ...(batch.outputFileId ? [`  output file: ${batch.outputFileId}`] : []),
      ...(batch.errorFileId ? [`  error file:  ${batch.errorFileId}`] : []),
      ...(batch.errors ?? []).map((e) => `  error: line ${e.line ?? '-'} ${e.code}: ${e.message}`),
    ];
    for (const line of lines) ctx.out(line);
  },

  'batches cancel': async (ctx) => {
    const batch = await found(ctx);
    const moved = await new DynamoBatchStore(ctx.dynamo, ctx.table).transition(batch.tenantId, batch.id, ['validating', 'in_progress'], 'cancelling', ctx.now);
    if (!moved) throw new BatchCommandError(`batch ${batch.id} is ${batch.status}: only a validating or in-progress batch can be cancelled`);
    ctx.out(`cancelling ${batch.id}: the workers stop before their next line; ${progressBar(batch)} so far`);
  },
};

async function found(ctx: BatchCommandContext): Promise<BatchRecord> {
  if (!ctx.tenant || !ctx.id) throw new BatchCommandError('name the batch: --tenant ID --id BATCH_ID');
  const batch = await new DynamoBatchStore(ctx.dynamo, ctx.table).getBatch(ctx.tenant, ctx.id);
  if (!batch) throw new BatchCommandError(`tenant ${ctx.tenant} has no batch ${ctx.id}`);
  return batch;
}
