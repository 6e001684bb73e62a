// Request bodies: JSON first, then the zod schema; every rejection is a 400 that names the field.
import type * as z from 'zod/mini';
import { errors } from '../errors';
import { describeIssue } from '../validation';

/**
 * How deeply a request body's JSON may nest (objects and arrays). JSON.parse takes any depth, but everything
 * after it that walks the body recursively (JSON.stringify to the provider, the token estimate) overflows the
 * stack past a few thousand levels: a 500 after the request was admitted. 128 (serde_json's default) is far
 * past what clients send: the envelope of a tool's JSON schema is 5 levels and each schema level 2, and OpenAI
 * refuses strict schemas nested more than 10 deep, so a schema would need some 60 levels to reach it.
 */
export const MAX_JSON_DEPTH = 128;

export function parseBody<S extends z.ZodMiniType>(body: string | undefined, schema: S): z.infer<S> {
  if (!body) throw errors.invalidRequest('The request body is empty; send a JSON object.');
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw errors.invalidRequest(`The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw errors.invalidRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw errors.invalidRequest('The request body must be a JSON object.');
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  const { param, message } = describeIssue(first!);
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  throw errors.invalidRequest(`Invalid value for '${param}': ${message}${more}`, param);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]

/**
 * Whether JSON text opens more than `limit` objects and arrays inside one another (brackets in strings do not
 * count). One pass without parsing; strings, most of a body, are skipped with indexOf. Text that is not JSON
 * gets an answer too, and JSON.parse then says what is wrong with it.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  // each level takes at least two characters
  if (text.length <= 2 * limit) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i;
      do {
        end = text.indexOf('"', end + 1);
        if (end < 0) return false;
      } while (escaped(text, end));
      i = end;
    } else if (OPENERS.has(c)) {
      if (++depth > limit) return true;
    } else if (CLOSERS.has(c)) {
      depth--;
    }
  }
  return false;
}

/** the quote at `at` follows an odd run of backslashes */
function escaped(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && text.charCodeAt(k) === BACKSLASH) k--;
  return (at - 1 - k) % 2 === 1;
}
