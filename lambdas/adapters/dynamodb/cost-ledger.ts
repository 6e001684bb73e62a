// The cost ledger in DynamoDB. Per request an entry (kept for the retention period); per tenant, day or month
// and region an item that holds the spend (settled), the committed total budgets are checked against, the
// totals by model and provider, the budget leases that region's instances hold, and which alerts it sent.
//   T#<tenant>#D#<day> / R#<iso time>#<request id>[#R#<region>]  → the entry
//   T#<tenant>         / D#<day>[#R#<region>], M#<month>[#R#<region>]
//                        → costNanoUsd, committedNanoUsd, requests, inputTokens, …
//                          M|<provider/model>|<total>, P|<provider>|<total>, R|<route>|<total>
//                          L|<lease id> → {g: granted, u: used, s: seq, t: top-ups, e: expires ms}
//                          A|<percent>  → when this region sent that budget alert
// (no suffix: the primary region's items; see regions.ts). Every change to a period item is one conditional
// UpdateItem by the region that owns it; a lease's seq makes its settlement batches apply exactly once. A
// period's totals are the sum of its items across regions.
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type {
  BudgetPeriod,
  CostLedger,
  FlushOutcome,
  LeaseFlush,
  LedgerEntry,
  OtherRegionsPeriod,
  PeriodUsage,
  StoredLease,
} from '../../core/ports';
import { ALERT_PERCENTS } from '../../core/admission/budgets';
import { boundedName } from '../../core/bounded-name';
import { dayOf } from '../../core/periods';
import { StoreRejectedWrite } from '../../core/ports';
import { BatchWriter } from './batch-writer';
import { fromItem, num, toItem } from './marshal';
import { queryItems } from './query';
import { isMultiRegion, regionSuffix, singleRegion, splitRegion, type RegionScope } from './regions';

export const DAY_SECONDS = 86_400;
/** aggregates outlive entries: a year and a bit of monthly history */
const AGGREGATE_RETENTION_DAYS = 400;

export const LEASE_PREFIX = 'L|';
/**
 * A provider/model name in a breakdown attribute name (M|<name>|<total>) keeps at most this many characters, an
 * entry's model and alias at most ENTRY_NAME_CHARS: names come from requests (direct addressing), and a period
 * item holds four attributes per model, so an unbounded name makes the item too large to write (boundedName).
 */
export const BREAKDOWN_NAME_CHARS = 512;
export const ENTRY_NAME_CHARS = 1_024;
/** a request id in an entry's sort key (which DynamoDB caps at 1 KB) */
const REQUEST_ID_CHARS = 200;
const BREAKDOWN_TOTALS = ['costNanoUsd', 'requests', 'inputTokens', 'outputTokens'] as const;
/** the budget has room for :max more (the limit less what the write adds) */
const HAS_ROOM = '(attribute_not_exists(committedNanoUsd) OR committedNanoUsd <= :max)';

/** `suffix`: the owning region's (regions.ts) */
export const ledgerKeys = {
  entry: (tenantId: string, day: string, at: number, requestId: string, suffix = '') => ({
    pk: `T#${tenantId}#D#${day}`,
    sk: `R#${new Date(at).toISOString()}#${boundedName(requestId, REQUEST_ID_CHARS)}${suffix}`,
  }),
  entries: (tenantId: string, day: string) => `T#${tenantId}#D#${day}`,
  /** the sort key of a period in every region's item, before the region suffix */
  periodBase: (p: BudgetPeriod) => `${p.kind === 'day' ? 'D' : 'M'}#${p.name}`,
  period: (p: BudgetPeriod, suffix = ''): Record<string, AttributeValue> => ({ pk: { S: `T#${p.tenantId}` }, sk: { S: ledgerKeys.periodBase(p) + suffix } }),
};

export class DynamoCostLedger implements CostLedger {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #retentionDays: number;
  readonly #regions: RegionScope;
  /** appended to the sort keys of the items this region writes */
  readonly #suffix: string;
  /** per-request entries, group-committed: concurrent requests share a BatchWriteItem */
  readonly #entries: BatchWriter;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    retentionDays: number,
    regions: RegionScope = singleRegion(),
    /** entries wait this long for others to share their BatchWriteItem (BudgetTuning.groupCommitMs) */
    groupCommitMs = 0,
  ) {
    this.#client = client;
    this.#tableName = tableName;
    this.#retentionDays = retentionDays;
    this.#regions = regions;
    this.#suffix = regionSuffix(regions);
    this.#entries = new BatchWriter(client, tableName, undefined, groupCommitMs);
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

  async growLease(period: BudgetPeriod, leaseId: string, delta: number, topUps: number, limitNanoUsd: number | undefined): Promise<number | undefined> {
    if (limitNanoUsd !== undefined && delta > limitNanoUsd) return undefined;
    const result = await this.#update(period, {
      UpdateExpression: 'ADD committedNanoUsd :d SET #L.g = #L.g + :d, #L.t = :t',
      ConditionExpression: `#L.t = :prev${limitNanoUsd === undefined ? '' : ` AND ${HAS_ROOM}`}`,
      ExpressionAttributeNames: { '#L': LEASE_PREFIX + leaseId },
      ExpressionAttributeValues: {
        ':d': { N: String(delta) },
        ':t': { N: String(topUps) },
        ':prev': { N: String(topUps - 1) },
        ...(limitNanoUsd === undefined ? {} : { ':max': { N: String(limitNanoUsd - delta) } }),
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
    if (t.operatorCostNanoUsd) add('operatorCostNanoUsd', t.operatorCostNanoUsd);
    if (t.cacheHits) add('cacheHits', t.cacheHits);
    if (t.cacheSavedNanoUsd) add('cacheSavedNanoUsd', t.cacheSavedNanoUsd);
    for (const [prefix, breakdown] of [
      ['M', t.byModel],
      ['P', t.byProvider],
      ['R', t.byRoute ?? {}],
    ] as const) {
      for (const [name, b] of Object.entries(breakdown)) {
        const bounded = boundedName(name, BREAKDOWN_NAME_CHARS);
        for (const total of BREAKDOWN_TOTALS) add(`${prefix}|${bounded}|${total}`, b[total]);
      }
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
      ExpressionAttributeNames: { '#A': alertMark(percent) },
      ExpressionAttributeValues: { ':at': { N: String(Date.now()) } },
    });
    return result.applied;
  }

  async otherRegions(period: BudgetPeriod): Promise<OtherRegionsPeriod | undefined> {
    if (!isMultiRegion(this.#regions)) return undefined;
    const names: Record<string, string> = { '#sk': 'sk', '#c': 'committedNanoUsd', '#s': 'costNanoUsd' };
    for (const percent of ALERT_PERCENTS) names[`#a${percent}`] = alertMark(percent);
    const others: OtherRegionsPeriod = { committedNanoUsd: 0, costNanoUsd: 0, alerted: [] };
    for (const item of await this.#periodItems(period, { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names })) {
      if (splitRegion(item.sk?.S ?? '', this.#regions).region === this.#regions.own) continue;
      others.committedNanoUsd += num(item, 'committedNanoUsd');
      others.costNanoUsd += num(item, 'costNanoUsd');
      for (const percent of ALERT_PERCENTS) if (item[alertMark(percent)] && !others.alerted.includes(percent)) others.alerted.push(percent);
    }
    return others;
  }

  putEntry(e: LedgerEntry): Promise<void> {
    const { tokens, calls, ...entry } = e;
    return this.#entries.put(
      toItem({
        ...ledgerKeys.entry(e.tenantId, dayOf(e.at), e.at, e.requestId, this.#suffix),
        ...entry,
        calls: calls.map((c) => ({ ...c, model: boundedName(c.model, ENTRY_NAME_CHARS) })),
        alias: boundedName(e.alias, ENTRY_NAME_CHARS),
        model: boundedName(e.model, ENTRY_NAME_CHARS),
        region: this.#regions.own,
        // the ByRequest index's key (request history by id): written with the entry, no write of its own
        rq: requestIndexKey(e.tenantId, e.requestId),
        inputTokens: tokens.input,
        outputTokens: tokens.output,
        cachedInputTokens: tokens.cachedInput,
        cacheWriteTokens: tokens.cacheWrite,
        expiresAt: Math.floor(e.at / 1000) + this.#retentionDays * DAY_SECONDS,
      }),
    );
  }

  /** A day's per-request entries of a tenant, every region's (the CLI's CSV; request history). */
  async *entries(tenantId: string, day: string): AsyncGenerator<LedgerEntry & { region?: string }> {
    for await (const item of queryItems(this.#client, {
      TableName: this.#tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: ledgerKeys.entries(tenantId, day) } },
    })) {
      yield entryFromItem(item);
    }
  }

  /** every region's totals, summed */
  async usage(tenantId: string, day: string, month: string): Promise<{ day: PeriodUsage; month: PeriodUsage }> {
    const [d, m] = await Promise.all([this.#periodItems({ tenantId, kind: 'day', name: day }), this.#periodItems({ tenantId, kind: 'month', name: month })]);
    return { day: periodUsage(day, d), month: periodUsage(month, m) };
  }

  /** the period's item of every region (this replica's latest versions), in one Query on the key prefix */
  async #periodItems(period: BudgetPeriod, projection: Pick<QueryCommandInput, 'ProjectionExpression' | 'ExpressionAttributeNames'> = {}): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    const { pk } = ledgerKeys.period(period);
    for await (const item of queryItems(this.#client, {
      TableName: this.#tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': pk!, ':sk': { S: ledgerKeys.periodBase(period) } },
      ConsistentRead: true,
      ...projection,
    })) {
      items.push(item);
    }
    return items;
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
        new UpdateItemCommand({ TableName: this.#tableName, Key: ledgerKeys.period(period, this.#suffix), ReturnValues: 'UPDATED_NEW', ...input }),
      );
      return { applied: true, attributes: Attributes };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return { applied: false, retried: (err.$metadata.attempts ?? 1) > 1 };
      throw asRejectedWrite(err);
    }
  }

  async #committed(period: BudgetPeriod): Promise<number> {
    return num((await this.#item(period)).Item, 'committedNanoUsd');
  }

  #item(period: BudgetPeriod) {
    return this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: ledgerKeys.period(period, this.#suffix), ConsistentRead: true }));
  }
}

/** the ByRequest index key of an entry (tables.ts LEDGER_BY_REQUEST_INDEX) */
export function requestIndexKey(tenantId: string, requestId: string): string {
  return `${tenantId}#${boundedName(requestId, REQUEST_ID_CHARS)}`;
}

/** a per-request entry item as the LedgerEntry it was written from (with the region that wrote it) */
export function entryFromItem(item: Record<string, AttributeValue>): LedgerEntry & { region?: string } {
  const { inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, pk: _pk, sk: _sk, rq: _rq, expiresAt: _exp, ...rest } = fromItem(item) as Record<string, never>;
  return {
    ...rest,
    operatorCostNanoUsd: rest.operatorCostNanoUsd ?? 0,
    calls: rest.calls ?? [],
    tokens: { input: inputTokens ?? 0, output: outputTokens ?? 0, cachedInput: cachedInputTokens ?? 0, cacheWrite: cacheWriteTokens ?? 0 },
  } as unknown as LedgerEntry & { region?: string };
}

/** DynamoDB's verdict that a write is invalid (it applied nothing) as the core's StoreRejectedWrite; other errors as they are */
export function asRejectedWrite(err: unknown): unknown {
  return err instanceof Error && err.name === 'ValidationException' ? new StoreRejectedWrite(err.message) : err;
}

/** A period's totals: the sum of its items (one per region that served the tenant in it). */
export function periodUsage(name: string, items: ReadonlyArray<Record<string, AttributeValue>>): PeriodUsage {
  const usage: PeriodUsage = { period: name, costNanoUsd: 0, operatorCostNanoUsd: 0, reservedNanoUsd: 0, requests: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, byModel: {}, byProvider: {}, byRoute: {} };
  const maps = { M: usage.byModel, P: usage.byProvider, R: usage.byRoute! };
  for (const item of items) {
    for (const [attribute, value] of Object.entries(item)) {
      const parts = attribute.split('|');
      const total = parts.pop() as (typeof BREAKDOWN_TOTALS)[number];
      const kind = parts.shift();
      if ((kind !== 'M' && kind !== 'P' && kind !== 'R') || !BREAKDOWN_TOTALS.includes(total) || value.N === undefined) continue;
      const map = maps[kind];
      const b = (map[parts.join('|')] ??= { costNanoUsd: 0, requests: 0, inputTokens: 0, outputTokens: 0 });
      b[total] += Number(value.N);
    }
    const cost = num(item, 'costNanoUsd');
    usage.costNanoUsd += cost;
    usage.reservedNanoUsd += Math.max(0, num(item, 'committedNanoUsd') - cost);
    for (const total of ['operatorCostNanoUsd', 'requests', 'inputTokens', 'outputTokens', 'cachedInputTokens'] as const) usage[total] += num(item, total);
    for (const total of ['cacheHits', 'cacheSavedNanoUsd'] as const) if (item[total]) usage[total] = (usage[total] ?? 0) + num(item, total);
  }
  return usage;
}

function alertMark(percent: number): string {
  return `A|${percent}`;
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
