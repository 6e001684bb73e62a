// The cost ledger in DynamoDB. Per request an entry (kept for the retention period), and per tenant a day
// and a month aggregate grown with atomic ADD, so concurrent writers never lose an update.
//   T#<tenant>#D#<day> / R#<iso time>#<request id>  → the entry
//   T#<tenant>         / D#<day> and M#<month>      → costNanoUsd, requests, inputTokens, outputTokens, …
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CostLedger, LedgerEntry, PeriodUsage } from '../../core/ports';
import { dayOf, monthOf } from '../../core/periods';
import { num, toItem } from './marshal';

const DAY_SECONDS = 86_400;
/** aggregates outlive entries: a year and a bit of monthly history */
const AGGREGATE_RETENTION_DAYS = 400;

export const ledgerKeys = {
  entry: (tenantId: string, day: string, at: number, requestId: string) => ({
    pk: `T#${tenantId}#D#${day}`,
    sk: `R#${new Date(at).toISOString()}#${requestId}`,
  }),
  day: (tenantId: string, day: string) => ({ pk: { S: `T#${tenantId}` }, sk: { S: `D#${day}` } }),
  month: (tenantId: string, month: string) => ({ pk: { S: `T#${tenantId}` }, sk: { S: `M#${month}` } }),
};

export class DynamoCostLedger implements CostLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async record(e: LedgerEntry): Promise<void> {
    const day = dayOf(e.at);
    const atSeconds = Math.floor(e.at / 1000);
    const entry = this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({
          ...ledgerKeys.entry(e.tenantId, day, e.at, e.requestId),
          requestId: e.requestId,
          tenantId: e.tenantId,
          at: e.at,
          route: e.route,
          alias: e.alias,
          provider: e.provider,
          model: e.model,
          inputTokens: e.tokens.input,
          outputTokens: e.tokens.output,
          cachedInputTokens: e.tokens.cachedInput,
          cacheWriteTokens: e.tokens.cacheWrite,
          costNanoUsd: e.costNanoUsd,
          latencyMs: e.latencyMs,
          status: e.status,
          attempts: e.attempts,
          stream: e.stream,
          expiresAt: atSeconds + this.retentionDays * DAY_SECONDS,
        }),
      }),
    );
    const expiresAt = atSeconds + AGGREGATE_RETENTION_DAYS * DAY_SECONDS;
    await Promise.all([
      entry,
      this.add(ledgerKeys.day(e.tenantId, day), e, expiresAt),
      this.add(ledgerKeys.month(e.tenantId, monthOf(e.at)), e, expiresAt),
    ]);
  }

  private add(Key: ReturnType<typeof ledgerKeys.day>, e: LedgerEntry, expiresAt: number) {
    return this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key,
        UpdateExpression: 'ADD costNanoUsd :cost, requests :one, inputTokens :in, outputTokens :out, cachedInputTokens :cached SET expiresAt = :exp',
        ExpressionAttributeValues: {
          ':cost': { N: String(e.costNanoUsd) },
          ':one': { N: '1' },
          ':in': { N: String(e.tokens.input) },
          ':out': { N: String(e.tokens.output) },
          ':cached': { N: String(e.tokens.cachedInput) },
          ':exp': { N: String(expiresAt) },
        },
      }),
    );
  }

  async usage(tenantId: string, day: string, month: string): Promise<{ day: PeriodUsage; month: PeriodUsage }> {
    const [d, m] = await Promise.all([
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: ledgerKeys.day(tenantId, day), ConsistentRead: true })),
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: ledgerKeys.month(tenantId, month), ConsistentRead: true })),
    ]);
    const period = (name: string, item: typeof d.Item): PeriodUsage => ({
      period: name,
      costNanoUsd: num(item, 'costNanoUsd'),
      requests: num(item, 'requests'),
      inputTokens: num(item, 'inputTokens'),
      outputTokens: num(item, 'outputTokens'),
    });
    return { day: period(day, d.Item), month: period(month, m.Item) };
  }
}
