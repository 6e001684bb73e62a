import { describe, expect, it } from 'vitest';
import { sseJson, SSE_DONE, ToolCallSlots } from '../../../../lambdas/providers/shared/stream';
import { chunkedResponse, collect } from '../../../helpers/provider-fixtures';

describe('stream plumbing', () => {
  it('reads SSE JSON payloads and the [DONE] sentinel', async () => {
    const events = await collect(sseJson(chunkedResponse('event: a\ndata: {"n":1}\n\ndata: [DONE]\n\n', 5)));
    expect(events).toEqual([{ n: 1 }, SSE_DONE]);
  });

  it('refuses an event that is not JSON as a malformed answer worth another provider', async () => {
    await expect(collect(sseJson(chunkedResponse('data: {oops\n\n')))).rejects.toMatchObject({ code: 'malformed_response', retryable: true, status: 502 });
  });

  it('numbers tool calls 0, 1, 2… whatever block positions the provider uses', () => {
    const slots = new ToolCallSlots();
    expect([slots.open(3), slots.open(7)]).toEqual([0, 1]);
    expect([slots.get(7), slots.get(1), slots.count]).toEqual([1, undefined, 2]);
  });
});
