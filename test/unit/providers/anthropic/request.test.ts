import { describe, expect, it } from 'vitest';
import { defaultMaxTokens, toAnthropicRequest } from '../../../../lambdas/providers/anthropic/request';
import { ProviderError } from '../../../../lambdas/providers/types';
import { CACHE_MARKED_MESSAGES, fixture, openaiRequest, request, testConfig } from '../../../helpers/provider-fixtures';

const config = testConfig('anthropic');
const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

describe('anthropic request mapping', () => {
  it('puts cache_control breakpoints on the blocks they marked: system, text, image and tool result, TTL kept', () => {
    const { body } = toAnthropicRequest(request(CACHE_MARKED_MESSAGES), 'claude-sonnet-4-5', config, false);
    expect(body.system).toEqual([{ type: 'text', text: 'You answer from the manual.', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'The manual: …', cache_control: { type: 'ephemeral' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }, cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Which page covers resets?' },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'search', input: { q: 'reset' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'page 12', cache_control: { type: 'ephemeral' } }] },
    ]);
  });

  it('maps the golden OpenAI conversation to the Messages API request', () => {
    const { body, jsonTool } = toAnthropicRequest(openaiRequest(), 'claude-sonnet-4-5', config, false);
    expect(body).toEqual(fixture('anthropic/chat-request.json'));
    expect(jsonTool).toBeUndefined();
  });

  it('always sends max_tokens: the request, then the entry default, then the per-model table', () => {
    const hello = [{ role: 'user', content: 'hi' }];
    expect(toAnthropicRequest(request(hello, { max_completion_tokens: 77 }), 'claude-3-haiku-20240307', config, false).body.max_tokens).toBe(77);
    expect(toAnthropicRequest(request(hello), 'claude-3-haiku-20240307', testConfig('anthropic', { defaultMaxTokens: 1000 }), false).body.max_tokens).toBe(1000);
    expect(defaultMaxTokens('claude-3-haiku-20240307')).toBe(4096);
    expect(defaultMaxTokens('claude-3-5-sonnet-20241022')).toBe(8192);
    expect(defaultMaxTokens('claude-opus-4-1-20250805')).toBe(8192);
    expect(defaultMaxTokens('company-proxy-alias')).toBe(4096);
  });

  it('clamps temperature to Claude’s 0–1, turns stop into a list, and streams when asked', () => {
    const { body } = toAnthropicRequest(request([{ role: 'user', content: 'hi' }], { temperature: 1.8, stop: 'STOP', top_k: 5 }), 'claude-x', config, true);
    expect(body).toMatchObject({ temperature: 1, stop_sequences: ['STOP'], top_k: 5, stream: true });
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    ['none', false, { type: 'none' }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, undefined, undefined],
  ])('maps tool_choice %j with parallel_tool_calls %j to %j', (choice, parallel, expected) => {
    const req = request([{ role: 'user', content: 'hi' }], { tools: [WEATHER], tool_choice: choice, parallel_tool_calls: parallel });
    expect(toAnthropicRequest(req, 'claude-x', config, false).body.tool_choice).toEqual(expected);
  });

  it('joins turns of one role so roles alternate, tool results first in their user turn', () => {
    const req = request([
      { role: 'user', content: 'first' },
      { role: 'user', content: 'second' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '' } }, { id: 'b', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
      { role: 'user', content: 'meanwhile' },
      { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: 'A' }] },
      { role: 'tool', tool_call_id: 'b', content: 'B' },
    ]);
    expect(toAnthropicRequest(req, 'claude-x', config, false).body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'text', text: 'second' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }, { type: 'tool_use', id: 'b', name: 'f', input: { x: 1 } }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'a', content: 'A' }, { type: 'tool_result', tool_use_id: 'b', content: 'B' }, { type: 'text', text: 'meanwhile' }],
      },
    ]);
  });

  it('sends image URLs as URL sources and PDFs as documents', () => {
    const req = request([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
        ],
      },
    ]);
    expect(toAnthropicRequest(req, 'claude-x', config, false).body.messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('refuses what Claude cannot take, as a 400 that no other attempt would fix', () => {
    const audio = request([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }]);
    const badArgs = request([{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{not json' } }] }]);
    for (const req of [audio, badArgs]) {
      let thrown: unknown;
      try {
        toAnthropicRequest(req, 'claude-x', config, false);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ProviderError);
      expect(thrown).toMatchObject({ status: 400, retryable: false });
    }
  });

  it('asks for JSON through one forced tool when the request has no tools of its own', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } };
    const asked = toAnthropicRequest(request([{ role: 'user', content: 'x' }], { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } }), 'claude-x', config, false);
    expect(asked.jsonTool).toBe('answer');
    expect(asked.body).toMatchObject({ tools: [{ name: 'answer', input_schema: schema }], tool_choice: { type: 'tool', name: 'answer' } });

    const withTools = toAnthropicRequest(request([{ role: 'user', content: 'x' }], { tools: [WEATHER], response_format: { type: 'json_object' } }), 'claude-x', config, false);
    expect(withTools.jsonTool).toBeUndefined();
    expect(withTools.body.tools).toHaveLength(1);
  });
});
