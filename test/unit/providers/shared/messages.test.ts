import { describe, expect, it } from 'vitest';
import { instructionTexts, jsonToolFor, parseDataUrl, pushTurn, resultsFirst, toolArguments, type Turn } from '../../../../lambdas/providers/shared/messages';
import { embeddingsList, embeddingTexts } from '../../../../lambdas/providers/shared/embeddings';
import { embeddingsRequest } from '../../../../lambdas/core/openai/chat-request';
import { request } from '../../../helpers/provider-fixtures';

describe('conversation helpers', () => {
  it('reads base64 data URLs, parameters included, and nothing else', () => {
    expect(parseDataUrl('data:image/png;base64,AAAA')).toEqual({ mediaType: 'image/png', data: 'AAAA' });
    expect(parseDataUrl('data:image/jpeg;name=a.jpg;base64,BBBB')).toEqual({ mediaType: 'image/jpeg', data: 'BBBB' });
    expect(parseDataUrl('data:text/plain,hello')).toBeUndefined();
    expect(parseDataUrl('https://example.com/a.png')).toBeUndefined();
  });

  it('collects system and developer texts wherever they stand', () => {
    const req = request([
      { role: 'system', content: 'one' },
      { role: 'user', content: 'x' },
      { role: 'developer', content: [{ type: 'text', text: 'two' }] },
      { role: 'system', content: '' },
    ]);
    expect(instructionTexts(req.messages)).toEqual(['one', 'two']);
  });

  it('joins turns of one role and skips empty ones', () => {
    const turns: Array<Turn<'user' | 'assistant', string>> = [];
    pushTurn(turns, 'user', ['a']);
    pushTurn(turns, 'user', ['b']);
    pushTurn(turns, 'assistant', []);
    pushTurn(turns, 'assistant', ['c']);
    expect(turns).toEqual([{ role: 'user', blocks: ['a', 'b'] }, { role: 'assistant', blocks: ['c'] }]);
  });

  it('puts results first, keeping each side in order', () => {
    expect(resultsFirst(['t1', 'r1', 't2', 'r2'], (b) => b.startsWith('r'))).toEqual(['r1', 'r2', 't1', 't2']);
  });

  it('parses tool arguments into an object, and refuses anything else with a 400', () => {
    const call = (args: string) => ({ id: 'c', type: 'function' as const, function: { name: 'f', arguments: args } });
    expect(toolArguments(call(' '))).toEqual({});
    expect(toolArguments(call('{"a":[1]}'))).toEqual({ a: [1] });
    for (const bad of ['[1]', '"s"', '{"a":']) expect(() => toolArguments(call(bad))).toThrow(expect.objectContaining({ status: 400, code: 'invalid_tool_arguments' }));
  });

  it('stands in a tool for response_format only when the request has no tools', () => {
    const schema = { type: 'object', properties: {} };
    expect(jsonToolFor(request([{ role: 'user', content: 'x' }], { response_format: { type: 'json_schema', json_schema: { name: 'out', schema } } }))).toMatchObject({ name: 'out', schema });
    expect(jsonToolFor(request([{ role: 'user', content: 'x' }], { response_format: { type: 'text' } }))).toBeUndefined();
    const tools = [{ type: 'function', function: { name: 'f' } }];
    expect(jsonToolFor(request([{ role: 'user', content: 'x' }], { tools, response_format: { type: 'json_object' } }))).toBeUndefined();
  });
});

describe('embeddings helpers', () => {
  it('refuses token-id inputs, which only OpenAI reads', () => {
    expect(embeddingTexts('gemini', embeddingsRequest.parse({ model: 'e', input: ['a', 'b'] }))).toEqual(['a', 'b']);
    expect(() => embeddingTexts('gemini', embeddingsRequest.parse({ model: 'e', input: [[1, 2]] }))).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('answers base64 as little-endian float32, as OpenAI does, and estimates tokens when none are reported', () => {
    const list = embeddingsList(embeddingsRequest.parse({ model: 'e', input: 'abcdefgh', encoding_format: 'base64' }), 'e', [[1, -0.5]]);
    const bytes = Buffer.from(list.data[0]!.embedding as string, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([1, -0.5]);
    // the input-token bound of core/tokens: 8 UTF-8 bytes and 2 item markers
    expect(list.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
  });
});
