import { describe, expect, it } from 'vitest';
import { toGeminiEmbedRequest, toGeminiRequest, toolResponse } from '../../../../lambdas/providers/gemini/request';
import { signatureOf, toolCallId } from '../../../../lambdas/providers/gemini/tool-ids';
import { geminiUrl } from '../../../../lambdas/providers/gemini/endpoint';
import { CACHE_MARKED_MESSAGES, fixture, openaiRequest, request, testConfig } from '../../../helpers/provider-fixtures';

const config = testConfig('gemini');
const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

describe('gemini request mapping', () => {
  it('leaves cache_control breakpoints out (Gemini caches implicitly) and keeps what they marked', () => {
    const body = JSON.stringify(toGeminiRequest(request(CACHE_MARKED_MESSAGES), config));
    expect(body).not.toMatch(/cache_control|ephemeral/);
    expect(body).toContain('The manual: …');
    expect(body).toContain('page 12');
  });

  it('maps the golden OpenAI conversation to a generateContent request', () => {
    expect(toGeminiRequest(openaiRequest(), config)).toEqual(fixture('gemini/chat-request.json'));
  });

  it('calls generateContent, streamGenerateContent?alt=sse and the embed methods on the model resource', () => {
    expect(geminiUrl(config, 'gemini-2.5-flash', 'generateContent')).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    expect(geminiUrl(testConfig('gemini', { baseUrl: 'http://proxy.local/g/' }), 'models/gemini-2.5-pro', 'streamGenerateContent')).toBe(
      'http://proxy.local/g/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
    expect(geminiUrl(config, 'tunedModels/my-tune', 'generateContent')).toBe('https://generativelanguage.googleapis.com/v1beta/tunedModels/my-tune:generateContent');
  });

  it.each([
    ['../../some/other/endpoint?x='],
    ['gemini-2.5-flash:generateContent#junk'],
    ['..'],
    ['models/..'],
    ['models/a/b'],
    ['cachedContents/x'],
    ['gemini%2F..'],
    ['gemini 2.5'],
    [''],
  ])('refuses the model name %j, which would change the path, with a 400 before any call', (model) => {
    expect(() => geminiUrl(config, model, 'generateContent')).toThrow(expect.objectContaining({ status: 400, retryable: false, code: 'invalid_model_name' }));
  });

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['required', { mode: 'ANY' }],
    ['none', { mode: 'NONE' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { mode: 'ANY', allowedFunctionNames: ['get_weather'] }],
  ])('maps tool_choice %j to functionCallingConfig %j', (choice, expected) => {
    expect(toGeminiRequest(request([{ role: 'user', content: 'x' }], { tools: [WEATHER], tool_choice: choice }), config).toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it('maps response_format to responseMimeType and responseJsonSchema, and penalties and seed to generationConfig', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } };
    const req = request([{ role: 'user', content: 'x' }], { response_format: { type: 'json_schema', json_schema: { name: 'n', schema } }, seed: 4, presence_penalty: 0.5, top_k: 40 });
    expect(toGeminiRequest(req, config).generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema, seed: 4, presencePenalty: 0.5, topK: 40 });
    expect(toGeminiRequest(request([{ role: 'user', content: 'x' }], { response_format: { type: 'json_object' } }), config).generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(toGeminiRequest(request([{ role: 'user', content: 'x' }]), testConfig('gemini', { defaultMaxTokens: 300 })).generationConfig).toEqual({ maxOutputTokens: 300 });
  });

  it('answers every tool result by its function name, all in one user turn, and sends back thought signatures', () => {
    const signed = toolCallId('call_1', 'c2lnbmF0dXJlK29mL3RoZT0=');
    const req = request([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: null, tool_calls: [{ id: signed, type: 'function', function: { name: 'a', arguments: '{}' } }, { id: 'call_2', type: 'function', function: { name: 'b', arguments: '{"k":1}' } }] },
      { role: 'tool', tool_call_id: signed, content: 'plain text' },
      { role: 'tool', tool_call_id: 'call_2', content: '[1,2]' },
    ]);
    expect(toGeminiRequest(req, config).contents.slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'a', args: {} }, thoughtSignature: 'c2lnbmF0dXJlK29mL3RoZT0=' }, { functionCall: { name: 'b', args: { k: 1 } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'a', response: { output: 'plain text' } } }, { functionResponse: { name: 'b', response: { output: [1, 2] } } }] },
    ]);
  });

  it('keeps a thought signature inside an id of the characters every provider accepts', () => {
    const id = toolCallId('call_x', '+/+/abc=');
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(signatureOf(id)).toBe('+/+/abc=');
    expect(signatureOf('call_plain')).toBeUndefined();
  });

  it('refuses a tool result that answers no call in the conversation', () => {
    expect(() => toGeminiRequest(request([{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: '1' }]), config)).toThrow(
      expect.objectContaining({ status: 400, retryable: false }),
    );
  });

  it('sends images as inline data or file URIs and audio as inline data', () => {
    const req = request([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/photo.webp?size=l' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
        ],
      },
    ]);
    expect(toGeminiRequest(req, config).contents[0]!.parts).toEqual([
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/photo.webp?size=l' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
    ]);
  });

  it('wraps a tool result that is not a JSON object under "output"', () => {
    expect(toolResponse('{"a":1}')).toEqual({ a: 1 });
    expect(toolResponse('42')).toEqual({ output: 42 });
    expect(toolResponse('not json')).toEqual({ output: 'not json' });
  });

  it('embeds one text with embedContent and several with batchEmbedContents', () => {
    expect(toGeminiEmbedRequest(['a'], 'text-embedding-004', 8)).toEqual({ method: 'embedContent', body: { content: { parts: [{ text: 'a' }] }, outputDimensionality: 8 } });
    expect(toGeminiEmbedRequest(['a', 'b'], 'text-embedding-004')).toEqual({
      method: 'batchEmbedContents',
      body: { requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }, { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } }] },
    });
  });
});
