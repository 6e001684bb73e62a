// Plain values ⇄ DynamoDB attribute values, for the few shapes the stores keep (no util-dynamodb needed).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain | undefined };

export function toAttr(value: Plain): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttr) };
  return { M: toItem(value) };
}

export function toItem(obj: { [k: string]: Plain | undefined }): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) item[k] = toAttr(v);
  return item;
}

export function fromAttr(attr: AttributeValue): Plain {
  if (attr.S !== undefined) return attr.S;
  if (attr.N !== undefined) return Number(attr.N);
  if (attr.BOOL !== undefined) return attr.BOOL;
  if (attr.NULL) return null;
  if (attr.L) return attr.L.map(fromAttr);
  if (attr.M) return fromItem(attr.M);
  if (attr.SS) return attr.SS;
  if (attr.NS) return attr.NS.map(Number);
  throw new Error('unsupported DynamoDB attribute type');
}

export function fromItem(item: Record<string, AttributeValue>): { [k: string]: Plain } {
  const obj: { [k: string]: Plain } = {};
  for (const [k, v] of Object.entries(item)) obj[k] = fromAttr(v);
  return obj;
}

export function num(item: Record<string, AttributeValue> | undefined, name: string): number {
  const n = item?.[name]?.N;
  return n === undefined ? 0 : Number(n);
}

export function str(item: Record<string, AttributeValue> | undefined, name: string): string | undefined {
  return item?.[name]?.S;
}
