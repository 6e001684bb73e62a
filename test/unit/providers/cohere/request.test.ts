import { describe, expect, it } from 'vitest';
import { toCohereEmbedRequest, toCohereRequest } from '../../../../lambdas/providers/cohere/request';
import { embeddingsRequest } from '../../../../lambdas/core/openai/chat-request';
import { CACHE_MARKED_MESSAGES, fixture, openaiRequest, request, testConfig } from '../../../helpers/provider-fixtures';

const config = testConfig('cohere');
const tool = (name: string, strict?: boolean) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} }, ...(strict === undefined ? {} : { strict }) } });

describe('cohere request mapping', () => {
  it('leaves cache_control breakpoints out and keeps what they marked', () => {
    const body = JSON.stringify(toCohereRequest(request(CACHE_MARKED_MESSAGES), 'c', config, false));
    expect(body).not.toMatch(/cache_control|ephemeral/);
    expect(body).toContain('The manual: …');
    expect(body).toContain('page 12');
  });

  it('maps the golden OpenAI conversation to a v2 chat request (text beside tool calls is the tool plan)', () => {
    expect(toCohereRequest(openaiRequest(), 'command-a-03-2025', config, false)).toEqual(fixture('cohere/chat-request.json'));
  });

  it.each([
    ['auto', ['a', 'b'], undefined],
    ['required', ['a', 'b'], 'REQUIRED'],
    ['none', ['a', 'b'], 'NONE'],
    [{ type: 'function', function: { name: 'b' } }, ['b'], 'REQUIRED'],
  ])('maps tool_choice %j to tools %j with tool_choice %j', (choice, names, expected) => {
    const body = toCohereRequest(request([{ role: 'user', content: 'x' }], { tools: [tool('a'), tool('b')], tool_choice: choice }), 'c', config, false);
    expect(body.tools?.map((t) => t.function.name)).toEqual(names);
    expect(body.tool_choice).toBe(expected);
  });

  it('turns strict tools into strict_tools and keeps `strict` out of each function', () => {
    const body = toCohereRequest(request([{ role: 'user', content: 'x' }], { tools: [tool('a', true)] }), 'c', config, false);
    expect(body.strict_tools).toBe(true);
    expect(body.tools![0]!.function).not.toHaveProperty('strict');
  });

  it('clamps sampling fields to Cohere’s ranges and names them its way', () => {
    const body = toCohereRequest(request([{ role: 'user', content: 'x' }], { temperature: 1.5, top_p: 0, top_k: 900, frequency_penalty: -1, presence_penalty: 2, stop: 'X' }), 'c', config, true);
    expect(body).toMatchObject({ temperature: 1, p: 0.01, k: 500, frequency_penalty: 0, presence_penalty: 1, stop_sequences: ['X'], stream: true });
  });

  it('maps response_format to json_object, with its schema when there is one', () => {
    const schema = { type: 'object' };
    expect(toCohereRequest(request([{ role: 'user', content: 'x' }], { response_format: { type: 'json_schema', json_schema: { name: 's', schema } } }), 'c', config, false).response_format).toEqual({
      type: 'json_object',
      json_schema: schema,
    });
    expect(toCohereRequest(request([{ role: 'user', content: 'x' }], { response_format: { type: 'text' } }), 'c', config, false)).not.toHaveProperty('response_format');
  });

  it('embeds with the caller’s input_type or search_document, asking for floats', () => {
    const req = embeddingsRequest.parse({ model: 'e', input: ['a'], input_type: 'search_query', dimensions: 256 });
    expect(toCohereEmbedRequest(req, ['a'], 'embed-v4.0')).toEqual({ model: 'embed-v4.0', texts: ['a'], input_type: 'search_query', embedding_types: ['float'], output_dimension: 256 });
    expect(toCohereEmbedRequest(embeddingsRequest.parse({ model: 'e', input: 'a' }), ['a'], 'embed-v4.0')).toMatchObject({ input_type: 'search_document' });
  });
});
