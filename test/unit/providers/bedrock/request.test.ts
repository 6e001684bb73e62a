import { describe, expect, it } from 'vitest';
import { embeddingFamily, titanEmbedBody, toConverseInput } from '../../../../lambdas/providers/bedrock/request';
import { cohereEmbedBody } from '../../../../lambdas/providers/cohere/request';
import { embeddingsRequest } from '../../../../lambdas/core/openai/chat-request';
import { asWire, CACHE_MARKED_MESSAGES, fixture, openaiRequest, request, testConfig } from '../../../helpers/provider-fixtures';

const config = testConfig('bedrock', { region: 'eu-west-1' });
const MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };
const CALLED = [
  { role: 'user', content: 'x' },
  { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
  { role: 'tool', tool_call_id: 't1', content: 'sunny' },
];

describe('bedrock Converse request mapping', () => {
  it('writes each cache_control breakpoint as a cachePoint block after what it marked', () => {
    const { input } = toConverseInput(request(CACHE_MARKED_MESSAGES), MODEL, config);
    const cachePoint = { cachePoint: { type: 'default' } };
    expect(input.system).toEqual([{ text: 'You answer from the manual.' }, cachePoint]);
    expect(asWire(input.messages)).toEqual([
      {
        role: 'user',
        content: [{ text: 'The manual: …' }, cachePoint, { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } }, cachePoint, { text: 'Which page covers resets?' }],
      },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'search', input: { q: 'reset' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'page 12' }] } }, cachePoint] },
    ]);
  });

  it('maps the golden OpenAI conversation to Converse input (image bytes as the SDK sends them)', () => {
    expect(asWire(toConverseInput(openaiRequest(), MODEL, config).input)).toEqual(fixture('bedrock/converse-request.json'));
  });

  it.each([
    ['auto', { auto: {} }],
    ['required', { any: {} }],
    [{ type: 'function', function: { name: 'get_weather' } }, { tool: { name: 'get_weather' } }],
  ])('maps tool_choice %j to toolChoice %j', (choice, expected) => {
    expect(toConverseInput(request([{ role: 'user', content: 'x' }], { tools: [WEATHER], tool_choice: choice }), MODEL, config).input.toolConfig?.toolChoice).toEqual(expected);
  });

  it('approximates tool_choice none: no tools offered, unless tool blocks in the conversation require toolConfig', () => {
    expect(toConverseInput(request([{ role: 'user', content: 'x' }], { tools: [WEATHER], tool_choice: 'none' }), MODEL, config).input.toolConfig).toBeUndefined();
    const withHistory = toConverseInput(request(CALLED, { tools: [WEATHER], tool_choice: 'none' }), MODEL, config).input.toolConfig;
    expect(withHistory?.tools).toHaveLength(1);
    expect(withHistory?.toolChoice).toBeUndefined();
  });

  it('sends the entry default output cap and clamps temperature to 1', () => {
    const input = toConverseInput(request([{ role: 'user', content: 'x' }], { temperature: 2 }), MODEL, testConfig('bedrock', { defaultMaxTokens: 900 })).input;
    expect(input.inferenceConfig).toEqual({ maxTokens: 900, temperature: 1 });
    expect(toConverseInput(request([{ role: 'user', content: 'x' }]), MODEL, config).input.inferenceConfig).toBeUndefined();
  });

  it('sends documents as bytes with a name Bedrock accepts, s3:// images by location, and refuses web image URLs', () => {
    const input = toConverseInput(
      request([
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'Q3_report.final.pdf' } },
            { type: 'image_url', image_url: { url: 's3://bucket/cat.png' } },
          ],
        },
      ]),
      MODEL,
      config,
    ).input;
    expect(asWire(input.messages![0]!.content)).toEqual([
      { document: { format: 'pdf', name: 'Q3 report final', source: { bytes: 'JVBERi0=' } } },
      { image: { format: 'png', source: { s3Location: { uri: 's3://bucket/cat.png' } } } },
    ]);
    expect(() => toConverseInput(request([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }]), MODEL, config)).toThrow(
      expect.objectContaining({ status: 400, code: 'unsupported_content' }),
    );
  });

  it('asks for JSON through one forced tool', () => {
    const call = toConverseInput(request([{ role: 'user', content: 'x' }], { response_format: { type: 'json_object' } }), MODEL, config);
    expect(call.jsonTool).toBe('json_response');
    expect(call.input.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'json_response', description: 'Answer with a JSON object.', inputSchema: { json: { type: 'object' } } } }],
      toolChoice: { tool: { name: 'json_response' } },
    });
  });
});

describe('bedrock embedding bodies', () => {
  it('tells the model families apart, inference-profile prefixes included', () => {
    expect(embeddingFamily('amazon.titan-embed-text-v2:0')).toBe('titan');
    expect(embeddingFamily('cohere.embed-multilingual-v3')).toBe('cohere');
    expect(embeddingFamily('us.cohere.embed-v4:0')).toBe('cohere');
    expect(embeddingFamily('anthropic.claude-3-haiku')).toBeUndefined();
  });

  it('builds Titan’s one-text body (no dimensions on v1) and Cohere’s batch body', () => {
    expect(titanEmbedBody('a', 'amazon.titan-embed-text-v2:0', 512)).toEqual({ inputText: 'a', dimensions: 512 });
    expect(titanEmbedBody('a', 'amazon.titan-embed-text-v1', 512)).toEqual({ inputText: 'a' });
    expect(cohereEmbedBody(embeddingsRequest.parse({ model: 'x', input: ['a', 'b'] }), ['a', 'b'])).toEqual({ texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'] });
  });
});
