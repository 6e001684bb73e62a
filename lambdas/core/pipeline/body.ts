// Request bodies: JSON first, then the zod schema; every rejection is a 400 that names the field.
import type { z } from 'zod';
import { errors } from '../errors';
import { describeIssue } from '../validation';

export function parseBody<S extends z.ZodType>(body: string | undefined, schema: S): z.infer<S> {
  if (!body) throw errors.invalidRequest('The request body is empty; send a JSON object.');
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
