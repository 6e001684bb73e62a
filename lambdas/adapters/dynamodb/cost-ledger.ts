// The cost ledger in DynamoDB. Per request an entry (kept for the retention period); per tenant a day and a
// month item that hold the spend (settled), the committed total budgets are checked against, the totals by
// model and provider, the budget leases instances hold, and which alerts went out.
//   T#<tenant>#D#<day> / R#<iso time>#<request id>  → the entry
//   T#<tenant>         / D#<day> and M#<month>      → costNanoUsd, committedNanoUsd, requests, inputTokens, …
//                                                     M|<provider/model>|<total>, P|<provider>|<total>
//                                                     L|<lease id> → {g: granted, u: used, s: seq, t: top-ups,
//                                                                     e: expires ms}
//                                                     A|<percent>  → when that budget alert went out
// Every change to a period item is one conditional UpdateItem; a lease's seq makes its settlement batches
// apply exactly once.
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type {
  BudgetPeriod,
  CostLedger,
  FlushOutcome,
  LeaseFlush,
  LedgerEntry,
  PeriodUsage,
  StoredLease,
  UsageBreakdown,
} from '../../core/ports';
import { dayOf } from '../../core/periods';
import { BatchWriter } from './batch-writer';
import { num, toItem } from './marshal';

export const DAY_SECONDS = 86_400;
/** aggregates outlive entries: a year and a bit of monthly history */
const AGGREGATE_RETENTION_DAYS = 400;

export const LEASE_PREFIX = 'L|';
const BREAKDOWN_TOTALS = ['costNanoUsd', 'requests', 'inputTokens', 'outputTokens'] as const;
/** the budget has room for :max more (the limit less what the write adds) */
const HAS_ROOM = '(attribute_not_exists(committedNanoUsd) OR committedNanoUsd <= :max)';

export const ledgerKeys = {
  entry: (tenantId: string, day: string, at: number, requestId: string) => ({
    pk: `T#${tenantId}#D#${day}`,
    sk: `R#${new Date(at).toISOString()}#${requestId}`,
  }),
  entries: (tenantId: string, day: string) => `T#${tenantId}#D#${day}`,
  period: (p: BudgetPeriod): Record<string, AttributeValue> => ({ pk: { S: `T#${p.tenantId}` }, sk: { S: `${p.kind === 'day' ? 'D' : 'M'}#${p.name}` } }),
};

export class DynamoCostLedger implements CostLedger {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #retentionDays: number;
  /** per-request entries, group-committed: concurrent requests share a BatchWriteItem */
  readonly #entries: BatchWriter;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    retentionDays: number,
  ) {
    this.#client = client;
    this.#tableName = tableName;
    this.#retentionDays = retentionDays;
    this.#entries = new BatchWriter(client, tableName);
  }

  async openLease(period: BudgetPeriod, lease: StoredLease, limitNanoUsd: number | undefined): Promise<number | undefined> {
    if (limitNanoUsd !== undefined && lease.granted > limitNanoUsd) return undefined;
    const roomCheck = limitNanoUsd === undefined ? '' : ` AND ${HAS_ROOM}`;
    const result = await this.#update(period, {
      UpdateExpression: 'ADD committedNanoUsd :g SET #L = :lease, expiresAt = :exp',
      ConditionExpression: `attribute_not_exists(#L)${roomCheck}`,
      ExpressionAttributeNames: { '#L': LEASE_PREFIX + lease.id },
      ExpressionAttributeValues: {
        ':g': { N: String(lease.granted) },
        ':lease': leaseValue(lease),
        ':exp': { N: String(aggregateExpiry()) },
        ...(limitNanoUsd === undefined ? {} : { ':max': { N: String(limitNanoUsd - lease.granted) } }),
      },
    });
    if (result.applied) return num(result.attributes, 'committedNanoUsd');
    // an SDK retry of an open that went through meets its own lease
    return result.retried && (await this.readLease(period, lease.id)) ? this.#committed(period) : undefined;
  }

  async growLease(period: BudgetPeriod, leaseId: string, delta: number, topUps: number, limitNanoUsd: number): Promise<number | undefined> {
    if (delta > limitNanoUsd) return undefined;
    const result = await this.#update(period, {
      UpdateExpression: 'ADD committedNanoUsd :d SET #L.g = #L.g + :d, #L.t = :t',
      ConditionExpression: `#L.t = :prev AND ${HAS_ROOM}`,
      ExpressionAttributeNames: { '#L': LEASE_PREFIX + leaseId },
      ExpressionAttributeValues: {
        ':d': { N: String(delta) },
        ':t': { N: String(topUps) },
        ':prev': { N: String(topUps - 1) },
        ':max': { N: String(limitNanoUsd - delta) },
      },
    });
    if (result.applied) return num(result.attributes, 'committedNanoUsd');
    return result.retried && ((await this.readLease(period, leaseId))?.topUps ?? 0) >= topUps ? this.#committed(period) : undefined;
  }

  async flush(period: BudgetPeriod, f: LeaseFlush): Promise<FlushOutcome> {
    const names: Record<string, string> = { '#L': LEASE_PREFIX + f.leaseId };
    const values: Record<string, AttributeValue> = { ':exp': { N: String(aggregateExpiry()) } };
    const adds: string[] = [];
    const add = (attribute: string, n: number) => {
      const i = adds.length;
      names[`#a${i}`] = attribute;
      values[`:a${i}`] = { N: String(n) };
      adds.push(`#a${i} :a${i}`);
    };
    const t = f.totals;
    add('committedNanoUsd', f.committedDelta);
    for (const total of [...BREAKDOWN_TOTALS, 'cachedInputTokens'] as const) add(total, t[total]);
    for (const [prefix, breakdown] of [
      ['M', t.byModel],
      ['P', t.byProvider],
    ] as const) {
      for (const [name, b] of Object.entries(breakdown)) for (const total of BREAKDOWN_TOTALS) add(`${prefix}|${name}|${total}`, b[total]);
    }

    const sets = ['expiresAt = :exp'];
    let condition: string;
    let remove = '';
    if (f.open) {
      sets.push('#L = :lease');
      values[':lease'] = leaseValue({ id: f.leaseId, granted: f.open.granted, used: f.usedAfter, seq: f.seq, topUps: 0, expiresAt: f.open.expiresAt });
      condition = 'attribute_not_exists(#L)';
    } else {
      values[':prev'] = { N: String(f.seq - 1) };
      condition = '#L.s = :prev';
      if (f.close) {
        remove = ' REMOVE #L';
      } else {
        sets.push('#L.u = :u', '#L.s = :s');
        values[':u'] = { N: String(f.usedAfter) };
        values[':s'] = { N: String(f.seq) };
      }
    }
    const result = await this.#update(period, {
      UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}${remove}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return result.applied ? { applied: true, costNanoUsd: num(result.attributes, 'costNanoUsd') } : { applied: false };
  }

  async readLease(period: BudgetPeriod, leaseId: string): Promise<StoredLease | undefined> {
    const { Item } = await this.#item(period);
    const value = Item?.[LEASE_PREFIX + leaseId];
    return value ? parseLease(leaseId, value) : undefined;
  }

  async markAlert(period: BudgetPeriod, percent: number): Promise<boolean> {
    const result = await this.#update(period, {
      UpdateExpression: 'SET #A = :at',
      ConditionExpression: 'attribute_not_exists(#A)',
      ExpressionAttributeNames: { '#A': `A|${percent}` },
      ExpressionAttributeValues: { ':at': { N: String(Date.now()) } },
    });
    return result.applied;
  }

  putEntry(e: LedgerEntry): Promise<void> {
    const { tokens, ...entry } = e;
    return this.#entries.put(
      toItem({
        ...ledgerKeys.entry(e.tenantId, dayOf(e.at), e.at, e.requestId),
        ...entry,
        inputTokens: tokens.input,
        outputTokens: tokens.output,
        cachedInputTokens: tokens.cachedInput,
        cacheWriteTokens: tokens.cacheWrite,
        expiresAt: Math.floor(e.at / 1000) + this.#retentionDays * DAY_SECONDS,
      }),
    );
  }

  async usage(tenantId: string, day: string, month: string): Promise<{ day: PeriodUsage; month: PeriodUsage }> {
    const [d, m] = await Promise.all([this.#item({ tenantId, kind: 'day', name: day }), this.#item({ tenantId, kind: 'month', name: month })]);
    return { day: periodUsage(day, d.Item), month: periodUsage(month, m.Item) };
  }

  /**
   * One conditional UpdateItem on a period item: the attributes it changed, or that its condition failed and
   * whether the SDK had tried more than once (then the failure may be the effect of its own first attempt).
   */
  async #update(
    period: BudgetPeriod,
    input: Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<{ applied: true; attributes: Record<string, AttributeValue> | undefined } | { applied: false; retried: boolean }> {
    try {
      const { Attributes } = await this.#client.send(
        new UpdateItemCommand({ TableName: this.#tableName, Key: ledgerKeys.period(period), ReturnValues: 'UPDATED_NEW', ...input }),
      );
      return { applied: true, attributes: Attributes };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return { applied: false, retried: (err.$metadata.attempts ?? 1) > 1 };
      throw err;
    }
  }

  async #committed(period: BudgetPeriod): Promise<number> {
    return num((await this.#item(period)).Item, 'committedNanoUsd');
  }

  #item(period: BudgetPeriod) {
    return this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: ledgerKeys.period(period), ConsistentRead: true }));
  }
}

export function periodUsage(name: string, item: Record<string, AttributeValue> | undefined): PeriodUsage {
  const byModel: Record<string, UsageBreakdown> = {};
  const byProvider: Record<string, UsageBreakdown> = {};
  for (const [attribute, value] of Object.entries(item ?? {})) {
    const parts = attribute.split('|');
    const total = parts.pop() as (typeof BREAKDOWN_TOTALS)[number];
    const kind = parts.shift();
    if ((kind !== 'M' && kind !== 'P') || !BREAKDOWN_TOTALS.includes(total) || value.N === undefined) continue;
    const map = kind === 'M' ? byModel : byProvider;
    const b = (map[parts.join('|')] ??= { costNanoUsd: 0, requests: 0, inputTokens: 0, outputTokens: 0 });
    b[total] = Number(value.N);
  }
  const cost = num(item, 'costNanoUsd');
  return {
    period: name,
    costNanoUsd: cost,
    reservedNanoUsd: Math.max(0, num(item, 'committedNanoUsd') - cost),
    requests: num(item, 'requests'),
    inputTokens: num(item, 'inputTokens'),
    outputTokens: num(item, 'outputTokens'),
    cachedInputTokens: num(item, 'cachedInputTokens'),
    byModel,
    byProvider,
  };
}

function leaseValue(l: StoredLease): AttributeValue {
  return { M: { g: { N: String(l.granted) }, u: { N: String(l.used) }, s: { N: String(l.seq) }, t: { N: String(l.topUps) }, e: { N: String(l.expiresAt) } } };
}

export function parseLease(id: string, value: AttributeValue): StoredLease {
  const m = value.M ?? {};
  return { id, granted: num(m, 'g'), used: num(m, 'u'), seq: num(m, 's'), topUps: num(m, 't'), expiresAt: num(m, 'e') };
}

function aggregateExpiry(): number {
  return Math.floor(Date.now() / 1000) + AGGREGATE_RETENTION_DAYS * DAY_SECONDS;
}
