// Names taken from requests (a model a tenant addressed directly) that become DynamoDB attribute names or key
// parts: DynamoDB refuses a key over 1 KB (sort) or 2 KB (partition) and an item over 400 KB, so an unbounded
// name would make the write that carries it fail, and with it everything written in the same call.
import { createHash } from 'node:crypto';

/** longer names keep this many characters of their start… */
const KEPT = 64;

/**
 * `name` when it has at most `max` characters; else its first characters, an ellipsis and 16 hex digits of its
 * SHA-256, well under `max`: the same long name always gets the same stand-in (so its totals add up in one
 * place), and two long names with the same start still get different ones.
 */
export function boundedName(name: string, max: number): string {
  if (name.length <= max) return name;
  let head = name.slice(0, Math.min(KEPT, max - 18));
  // never cut a surrogate pair in half: a lone surrogate is not valid UTF-8
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}…#${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}
