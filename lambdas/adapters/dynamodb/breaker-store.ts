// Circuit breakers in the breaker table, shared by every instance of a region.
// Single-item conditional updates only (dynalite has no transactions, and they are cheaper anyway):
//   BREAKER#<provider[/model]> / REGION#<region> → state, version, since, openUntil, reason,
//       n<slot> f<slot> e<slot> (calls, failures and bucket start of window slot 0-9),
//       leaseVersion, leaseUntil, leaseCount (half-open probe lease), expiresAt
//   HEALTH#<provider>          / REGION#<region> → the health check's last probe (written by
//       DynamoProviderHealthStore, read here beside the breakers in the same round trip)
// Time-limited things (cooldown, lease) are compared with the caller's clock, never left to TTL, which
// dynalite does not run and DynamoDB runs late.
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { BreakerRecord, BreakerStore, ProviderHealth, SharedBreaker, WindowBucket } from '../../core/ports';
import { WINDOW_BUCKETS } from '../../core/resilience/rolling-window';
import { num, str } from './marshal';
import { healthFromItem, providerHealthKey } from './provider-health';

/** a breaker nobody touched for a week is dropped by TTL (a provider removed from the config) */
const RETENTION_SECONDS = 7 * 24 * 3600;
/** BatchGetItem reads at most 100 keys */
const BATCH_GET_LIMIT = 100;

export const breakerKey = (key: string, region: string) => ({ pk: { S: `BREAKER#${key}` }, sk: { S: `REGION#${region}` } });

function healthKey(providerId: string, region: string): Item {
  const { pk, sk } = providerHealthKey(providerId, region);
  return { pk: { S: pk }, sk: { S: sk } };
}

type Item = Record<string, AttributeValue>;

export class DynamoBreakerStore implements BreakerStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly region: string,
  ) {}

  async read(breakerKeyList: readonly string[], providerIds: readonly string[]) {
    const keys = [...breakerKeyList.map((k) => breakerKey(k, this.region)), ...providerIds.map((p) => healthKey(p, this.region))];
    const items: Item[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Item[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT);
      // unprocessed keys (throttling) get one more try; what is still missing keeps its cached value
      for (let round = 0; pending?.length && round < 2; round++) {
        const out: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }));
        items.push(...(out.Responses?.[this.tableName] ?? []));
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    const breakers = new Map<string, SharedBreaker>();
    const health = new Map<string, ProviderHealth>();
    for (const item of items) {
      const pk = str(item, 'pk') ?? '';
      if (pk.startsWith('BREAKER#')) breakers.set(pk.slice('BREAKER#'.length), parseBreaker(item));
      else if (pk.startsWith('HEALTH#')) health.set(pk.slice('HEALTH#'.length), healthFromItem(item));
    }
    return { breakers, health };
  }

  async addOutcomes(key: string, buckets: readonly WindowBucket[], bucketMs: number, now: number): Promise<SharedBreaker> {
    let latest: Item | undefined;
    for (const b of buckets) latest = (await this.addBucket(key, b, bucketMs, now)) ?? latest;
    if (latest) return parseBreaker(latest);
    const { breakers } = await this.read([key], []);
    return breakers.get(key) ?? { state: 'closed', version: 0, since: 0, buckets: [] };
  }

  /** ADD into the slot if it holds this bucket, else claim the slot if it holds an older one */
  private async addBucket(key: string, b: WindowBucket, bucketMs: number, now: number): Promise<Item | undefined> {
    const slot = Math.floor(b.start / bucketMs) % WINDOW_BUCKETS;
    const names = { '#n': `n${slot}`, '#f': `f${slot}`, '#e': `e${slot}`, '#exp': 'expiresAt' };
    const values = { ':t': n(b.total), ':f': n(b.failures), ':start': n(b.start), ':exp': n(expiresAt(now, RETENTION_SECONDS)) };
    const add = { UpdateExpression: 'ADD #n :t, #f :f SET #exp = :exp', ConditionExpression: '#e = :start' };
    const claim = { UpdateExpression: 'SET #n = :t, #f = :f, #e = :start, #exp = :exp', ConditionExpression: 'attribute_not_exists(#e) OR #e < :start' };
    // a racing instance may claim the slot between our two tries: then adding works
    for (const update of [add, claim, add]) {
      const item = await this.update(key, { ...update, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: 'ALL_NEW' });
      if (item) return item;
    }
    return undefined; // the slot already holds a newer bucket: these counts are too old to matter
  }

  async transition(key: string, fromVersion: number, to: BreakerRecord, now: number): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state', '#version': 'version', '#since': 'since', '#until': 'openUntil', '#reason': 'reason', '#exp': 'expiresAt' };
    const values: Record<string, AttributeValue> = {
      ':state': { S: to.state },
      ':next': n(to.version),
      ':from': n(fromVersion),
      ':since': n(to.since),
      ':exp': n(expiresAt(now, RETENTION_SECONDS)),
    };
    let update = 'SET #state = :state, #version = :next, #since = :since, #exp = :exp';
    if (to.state === 'open') {
      update += ', #until = :until, #reason = :reason';
      values[':until'] = n(to.openUntil ?? now);
      values[':reason'] = { S: (to.reason ?? 'failures').slice(0, 500) };
    } else {
      update += ' REMOVE #until, #reason';
    }
    const item = await this.update(key, {
      UpdateExpression: update,
      ConditionExpression: fromVersion === 0 ? 'attribute_not_exists(#version) OR #version = :from' : '#version = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'UPDATED_NEW',
    });
    return item !== undefined;
  }

  async acquireProbeLease(key: string, version: number, maxProbes: number, now: number, until: number): Promise<boolean> {
    const names = { '#state': 'state', '#version': 'version', '#until': 'openUntil', '#lv': 'leaseVersion', '#lu': 'leaseUntil', '#lc': 'leaseCount' };
    const values = { ':open': { S: 'open' }, ':v': n(version), ':now': n(now), ':one': n(1) };
    const halfOpen = '#state = :open AND #version = :v AND #until <= :now';
    // the first probe of this open state (or after the last lease lapsed) starts a fresh lease…
    const fresh = {
      UpdateExpression: 'SET #lv = :v, #lu = :leaseUntil, #lc = :one',
      ConditionExpression: `${halfOpen} AND (attribute_not_exists(#lv) OR #lv <> :v OR #lu <= :now)`,
      ExpressionAttributeValues: { ...values, ':leaseUntil': n(until) },
    };
    // …later ones join it while slots are left (DynamoDB refuses values an expression does not use)
    const join = {
      UpdateExpression: 'ADD #lc :one',
      ConditionExpression: `${halfOpen} AND #lv = :v AND #lu > :now AND #lc < :max`,
      ExpressionAttributeValues: { ...values, ':max': n(maxProbes) },
    };
    for (const update of [fresh, join]) {
      if (await this.update(key, { ...update, ExpressionAttributeNames: names, ReturnValues: 'UPDATED_NEW' })) return true;
    }
    return false;
  }

  /** the item after the update, or undefined when its condition did not hold */
  private async update(key: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<Item | undefined> {
    try {
      const out = await this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: breakerKey(key, this.region), ...input }));
      return out.Attributes ?? {};
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }
}

function parseBreaker(item: Item): SharedBreaker {
  const buckets: WindowBucket[] = [];
  for (let slot = 0; slot < WINDOW_BUCKETS; slot++) {
    if (item[`e${slot}`]) buckets.push({ start: num(item, `e${slot}`), total: num(item, `n${slot}`), failures: num(item, `f${slot}`) });
  }
  return {
    state: str(item, 'state') === 'open' ? 'open' : 'closed',
    version: num(item, 'version'),
    since: num(item, 'since'),
    openUntil: item.openUntil ? num(item, 'openUntil') : undefined,
    reason: str(item, 'reason'),
    buckets: buckets.sort((a, b) => a.start - b.start),
  };
}

function n(value: number): AttributeValue {
  return { N: String(value) };
}

function expiresAt(nowMs: number, retentionSeconds: number): number {
  return Math.floor(nowMs / 1000) + retentionSeconds;
}
