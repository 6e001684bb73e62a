// Request history (GET /v1/requests, GET /v1/requests/{id}) read from the cost ledger's per-request entries
// (cost-ledger.ts). A tenant's entries live in one partition per day, `T#<tenant>#D#<day>`, sorted by time:
// a page walks the days newest first (a few at once), within the retention and the since/until bounds, with
// the filters as a FilterExpression. By id through the ByRequest index (`<tenant>#<request id>`). The tenant
// in every key is the caller's (from auth): an `after` id is looked up in that tenant's index only, so no
// cursor can reach another tenant's partition.
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, HistoryPage, HistoryQuery, LedgerEntry, RequestHistory } from '../../core/ports';
import { dayOf } from '../../core/periods';
import { DAY_SECONDS, entryFromItem, ledgerKeys, requestIndexKey } from './cost-ledger';
import { LEDGER_BY_REQUEST_INDEX } from './tables';

const DAY_MS = DAY_SECONDS * 1000;
/** days whose first page is read at once when a page needs more entries than the newer days held */
const DAYS_AT_ONCE = 8;
/** every entry sort key lies between these (R#<iso time>#<request id>[#R#<region>]) */
const SK_LOW = 'R#';
const SK_HIGH = 'R$';

export class DynamoRequestHistory implements RequestHistory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** entries are kept this long (gateway.ledgerRetentionDays): older days are not read */
    private readonly retentionDays: number,
    private readonly clock: Clock,
  ) {}

  async get(tenantId: string, requestId: string): Promise<LedgerEntry | undefined> {
    const item = await this.#byId(tenantId, requestId);
    return item && entryFromItem(item);
  }

  async list(q: HistoryQuery): Promise<HistoryPage> {
    const now = this.clock.now();
    let newest = Math.min(q.until === undefined ? now : q.until - 1, now + DAY_MS);
    const oldest = Math.max(q.since ?? 0, now - (this.retentionDays + 1) * DAY_MS);
    let anchor: string | undefined;
    if (q.after !== undefined) {
      const item = await this.#byId(q.tenantId, q.after);
      if (!item) return { unknownAfter: true };
      anchor = item.sk!.S!;
      newest = Math.min(newest, Date.parse(anchor.slice(2, 26)));
    }
    if (newest < oldest) return { entries: [], hasMore: false };

    const want = q.limit + 1;
    const filter = filterOf(q);
    const bounds = (day: string): [string, string] => {
      const low = dayOf(oldest) === day && oldest > 0 ? `R#${new Date(oldest).toISOString()}` : SK_LOW;
      let high = q.until !== undefined && dayOf(q.until) === day ? `R#${new Date(q.until).toISOString()}` : SK_HIGH;
      if (anchor && anchor < high) high = anchor;
      return [low, high];
    };
    const found: Array<Record<string, AttributeValue>> = [];
    const days: string[] = [];
    for (let t = Date.parse(`${dayOf(newest)}T00:00:00Z`); t >= Date.parse(`${dayOf(oldest)}T00:00:00Z`); t -= DAY_MS) days.push(dayOf(t));
    for (let i = 0; i < days.length && found.length < want; i += DAYS_AT_ONCE) {
      const chunk = days.slice(i, i + DAYS_AT_ONCE);
      const need = want - found.length;
      // each day of the chunk read at once, up to what the page still needs; taken in order, newest day first
      const results = await Promise.all(chunk.map((day) => this.#day(q.tenantId, day, bounds(day), filter, need, anchor)));
      for (const items of results) found.push(...items);
    }
    const entries = found.slice(0, q.limit).map(entryFromItem);
    return { entries, hasMore: found.length > q.limit };
  }

  /** up to `need` entries of one day, newest first, within [low, high] (an anchor itself left out) */
  async #day(tenantId: string, day: string, [low, high]: [string, string], filter: Filter, need: number, anchor: string | undefined): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: { ':pk': { S: ledgerKeys.entries(tenantId, day) }, ':low': { S: low }, ':high': { S: high }, ...filter.values },
          ...(filter.expression ? { FilterExpression: filter.expression, ExpressionAttributeNames: filter.names } : {}),
          ScanIndexForward: false,
          // without a filter every item read is one the page takes; with one, read in larger pages
          Limit: filter.expression ? Math.max(need * 4, 100) : need + 1,
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) if (item.sk?.S !== anchor && items.length < need) items.push(item);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < need);
    return items;
  }

  /** the tenant's newest entry with this request id (ids a client sent may repeat) */
  async #byId(tenantId: string, requestId: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LEDGER_BY_REQUEST_INDEX.name,
        KeyConditionExpression: '#rq = :rq',
        ExpressionAttributeNames: { '#rq': LEDGER_BY_REQUEST_INDEX.partitionKey },
        ExpressionAttributeValues: { ':rq': { S: requestIndexKey(tenantId, requestId) } },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return Items?.[0];
  }
}

interface Filter {
  expression?: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
}

function filterOf(q: HistoryQuery): Filter {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  if (q.model !== undefined) {
    names['#alias'] = 'alias';
    names['#model'] = 'model';
    values[':model'] = { S: q.model };
    parts.push('(#alias = :model OR #model = :model)');
  }
  if (q.provider !== undefined) {
    names['#provider'] = 'provider';
    values[':provider'] = { S: q.provider };
    parts.push('#provider = :provider');
  }
  if (q.route !== undefined) {
    names['#route'] = 'route';
    values[':route'] = { S: q.route };
    parts.push('#route = :route');
  }
  if (q.status !== undefined) {
    names['#status'] = 'status';
    values[':status'] = { N: String(q.status === 'ok' || q.status === 'error' ? 400 : q.status) };
    parts.push(q.status === 'ok' ? '#status < :status' : q.status === 'error' ? '#status >= :status' : '#status = :status');
  }
  return { expression: parts.length ? parts.join(' AND ') : undefined, names, values };
}
