// The GenAI attributes of a request: OTel names and values, bounded, and a log line that keeps under 1 KB
// with every field as long as a caller can make it.
import { describe, expect, it } from 'vitest';
import type { RequestScope } from '../../../../lambdas/core/gateway';
import { genAiAttributes } from '../../../../lambdas/core/history/tracing';
import { requestLogLine } from '../../../../lambdas/core/request-log';

const config = { providers: [{ id: 'bedrock-east', type: 'bedrock' }, { id: 'claude', type: 'anthropic' }] } as never;

describe('genAiAttributes', () => {
  it('names the system by provider type, the operation, both models, tokens and the request id', () => {
    const scope: RequestScope = { requestId: 'req_1', receivedAt: 0, route: '/v1/messages', model: 'smart', provider: 'bedrock-east', providerModel: 'anthropic.claude-sonnet', usage: { input: 12, output: 34 } };
    expect(genAiAttributes(scope, config)).toEqual({
      'gen_ai.system': 'aws.bedrock',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'smart',
      'gen_ai.response.model': 'anthropic.claude-sonnet',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 34,
      'gen_ai.request.id': 'req_1',
    });
    expect(genAiAttributes({ ...scope, route: '/v1/embeddings' }, config)?.['gen_ai.operation.name']).toBe('embeddings');
  });

  it('is nothing for a request that named no model (usage, health, history)', () => {
    expect(genAiAttributes({ requestId: 'r', receivedAt: 0, route: '/v1/usage', tenant: 't' }, config)).toBeUndefined();
  });

  it('leaves out what a request that failed before a call does not know', () => {
    expect(genAiAttributes({ requestId: 'r', receivedAt: 0, route: '/v1/chat/completions', model: 'smart' }, config)).toEqual({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'smart', 'gen_ai.request.id': 'r' });
  });

  it('keeps the whole request line under 1 KB with every value as long as a caller can make it', () => {
    const long = 'm'.repeat(4_000);
    const scope: RequestScope = {
      requestId: `id-${'7'.repeat(125)}`,
      receivedAt: 0,
      route: '/v1/chat/completions',
      tenant: 'acme-corp',
      model: long,
      provider: 'claude',
      providerModel: long,
      attempts: 3,
      costNanoUsd: 123_456_789_012,
      operatorCostNanoUsd: 123_456_789_012,
      stream: true,
      streamError: 'upstream_error',
      firstByteMs: 123_456,
      usage: { input: 1_000_000, output: 1_000_000 },
    };
    const { 'gen_ai.request.id': _id, ...genAi } = genAiAttributes(scope, config)!;
    // as gateway.ts finish() writes it, with what the Powertools logger adds
    const line = { level: 'INFO', message: 'request', timestamp: '2026-12-02T11:41:47.314Z', function_request_id: '5309c811-67cb-4be5-8b42-ea73bb89848d', xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793', ...requestLogLine(scope, 200, 123_456), ...genAi };
    expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThan(1024);
    expect(line['gen_ai.request.model']).toHaveLength(65);
    expect(line).not.toHaveProperty('providerModel');
    expect(line).not.toHaveProperty('model');
  });
});
