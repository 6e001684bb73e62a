import { describe, expect, it } from 'vitest';
import { chatRequest, embeddingsRequest } from '../../../lambdas/core/openai/chat-request';
import { parseBody } from '../../../lambdas/core/pipeline/body';

const parse = (body: unknown) => parseBody(JSON.stringify(body), chatRequest);

describe('chat request schema', () => {
  it('accepts every message role and content-part form', () => {
    const req = parse({
      model: 'fast',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: [{ type: 'text', text: 'rules' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
            { type: 'file', file: { file_id: 'file-1' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
      ],
      tools: [{ type: 'function', function: { name: 'look', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'look' } },
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
      temperature: 0.2,
      stop: ['\n'],
      n: 1,
      user: 'u-1',
      metadata: { task: 'classify' },
      seed: 7,
      logprobs: true,
    });
    expect(req.messages).toHaveLength(6);
    expect((req as Record<string, unknown>).logprobs).toBe(true); // unknown OpenAI fields pass through
  });

  it('keeps cache_control breakpoints on content parts for the providers that take them', () => {
    const mark = { type: 'ephemeral', ttl: '1h' };
    const req = parse({ model: 'm', messages: [{ role: 'system', content: [{ type: 'text', text: 'manual', cache_control: mark }] }] });
    expect(req.messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'manual', cache_control: mark }] });
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, 'n'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [{ model: 'm', messages: [{ role: 'assistant' }] }, 'messages[0].content'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0].image_url.url'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'bad name!' } }] }, 'tools[0].function.name'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }, 'max_tokens'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'forever' } }] }] }, 'messages[0].content[0].cache_control.type'],
  ])('rejects %j naming %s', (body, param) => {
    expect(() => parse(body)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_request', options: expect.objectContaining({ param }) }));
  });

  it('rejects bodies that are not JSON objects', () => {
    expect(() => parseBody('[1]', chatRequest)).toThrow(/JSON object/);
    expect(() => parseBody('', chatRequest)).toThrow(/empty/);
    expect(() => parseBody('{', chatRequest)).toThrow(/not valid JSON/);
  });

  it('accepts every embeddings input form', () => {
    for (const input of ['a', ['a', 'b'], [1, 2, 3], [[1, 2], [3]]]) {
      expect(parseBody(JSON.stringify({ model: 'e', input }), embeddingsRequest).input).toEqual(input);
    }
  });
});
