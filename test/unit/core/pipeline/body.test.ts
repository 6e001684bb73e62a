import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseBody } from '../../../../lambdas/core/pipeline/body';

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const anything = z.looseObject({});

describe('request body nesting depth', () => {
  it('counts objects and arrays inside one another, not brackets in strings', () => {
    expect(nestsDeeperThan(`{"a":${nested(MAX_JSON_DEPTH - 1)}}`, MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(`{"a":${nested(MAX_JSON_DEPTH)}}`, MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(`{"a":"${'['.repeat(1000)}","b":{"c":"\\"[[[["}}`, MAX_JSON_DEPTH)).toBe(false);
    // a string ending in an escaped backslash ends there: the brackets after it count
    expect(nestsDeeperThan(`{"a":"x\\\\","b":${nested(200)}}`, MAX_JSON_DEPTH)).toBe(true);
    // siblings do not add up
    expect(nestsDeeperThan(`[${Array.from({ length: 500 }, () => nested(10)).join(',')}]`, MAX_JSON_DEPTH)).toBe(false);
  });

  it('refuses a body nested past the limit with a 400 invalid_request that says so, before parsing it', () => {
    expect(() => parseBody(`{"model":"x","tools":${nested(100_000)}}`, anything)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_request', message: `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.` }),
    );
  });

  it('takes a deep but real tool schema (40 object levels, about 85 JSON levels)', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) schema = { type: 'object', properties: { next: schema } };
    const body = JSON.stringify({ model: 'x', tools: [{ type: 'function', function: { name: 'deep', parameters: schema } }] });
    expect(parseBody(body, anything)).toMatchObject({ model: 'x' });
  });
});
