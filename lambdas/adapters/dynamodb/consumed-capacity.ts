// A measuring mode for the DynamoDB client (`npm run bench` turns it on in the local server): every call
// asks for ReturnConsumedCapacity TOTAL and the capacity units the store reports are summed, reads apart
// from writes, so a run can say what a request costs in DynamoDB. Off otherwise: the field makes every
// answer longer for nothing.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface CapacityTally {
  /** read capacity units reported (GetItem, BatchGetItem, Query, Scan) */
  readUnits: number;
  /** write capacity units reported (PutItem, UpdateItem, DeleteItem, BatchWriteItem) */
  writeUnits: number;
  /**
   * conditional writes refused (ConditionalCheckFailedException): DynamoDB charges them (at least one
   * write unit) but reports no capacity with the error
   */
  conditionFailures: number;
  /** calls per command name, failed ones included */
  calls: Record<string, number>;
  /** calls whose answer carried no capacity although it was asked for */
  unreported: Record<string, number>;
}

const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/** where the tally of this process is kept, for a bench process that asks for it (bench/processes.ts) */
export const CAPACITY_TALLY_KEY = Symbol.for('switchboard.dynamodb.consumedCapacity');

/** Ask for and sum consumed capacity on every call of `client`; add before its first send (its middleware chains are cached). */
export function tallyConsumedCapacity(client: DynamoDBClient, tally: CapacityTally = emptyTally()): CapacityTally {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const counted = READS.has(command) || WRITES.has(command);
      tally.calls[command] = (tally.calls[command] ?? 0) + 1;
      if (counted) args = { ...args, input: { ...(args.input as object), ReturnConsumedCapacity: 'TOTAL' } };
      try {
        const result = await next(args);
        if (counted) {
          const units = capacityUnits((result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity);
          if (units === undefined) tally.unreported[command] = (tally.unreported[command] ?? 0) + 1;
          else if (READS.has(command)) tally.readUnits += units;
          else tally.writeUnits += units;
        }
        return result;
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') tally.conditionFailures++;
        throw err;
      }
    },
    { step: 'initialize', name: 'consumedCapacityTally' },
  );
  return tally;
}

export function emptyTally(): CapacityTally {
  return { readUnits: 0, writeUnits: 0, conditionFailures: 0, calls: {}, unreported: {} };
}

interface Consumed {
  CapacityUnits?: number;
}

function capacityUnits(consumed: Consumed | Consumed[] | undefined): number | undefined {
  if (consumed === undefined) return undefined;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  if (list.length === 0) return 0;
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}
