// GenAI attributes to X-Ray: the subsegment document, sent over UDP to the daemon address for sampled
// invocations only, and nothing without a daemon.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { genAiSubsegment, sampledTrace, xrayTracer } from '../../../../lambdas/adapters/observability/xray';

const attributes = { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'fast', 'gen_ai.response.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5, 'gen_ai.request.id': 'req_1' } as const;

describe('X-Ray GenAI subsegment', () => {
  it('reads the sampled trace from the trace header', () => {
    expect(sampledTrace('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:0')).toEqual({ root: '1-5759e988-bd862e3fe1be46a994272793', parent: '53995c3f42cd8ad8' });
    expect(sampledTrace('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0')).toBeUndefined();
    expect(sampledTrace(undefined)).toBeUndefined();
  });

  it('carries the attributes as annotations (X-Ray names) and as metadata (OTel names)', () => {
    const doc = genAiSubsegment(attributes, { root: '1-a-b', parent: 'p' }, 1_000, 1_250, 'abcdef0123456789');
    expect(doc).toEqual({
      name: 'gen_ai',
      id: 'abcdef0123456789',
      trace_id: '1-a-b',
      parent_id: 'p',
      type: 'subsegment',
      namespace: 'remote',
      start_time: 1,
      end_time: 1.25,
      annotations: { gen_ai_system: 'openai', gen_ai_operation_name: 'chat', gen_ai_request_model: 'fast', gen_ai_response_model: 'gpt-4o-mini', gen_ai_usage_input_tokens: 10, gen_ai_usage_output_tokens: 5, gen_ai_request_id: 'req_1' },
      metadata: { gen_ai: attributes },
    });
  });

  it('sends it to the daemon for a sampled invocation, and nothing for an unsampled one or without a daemon', async () => {
    const daemon = createSocket('udp4');
    await new Promise<void>((r) => daemon.bind(0, '127.0.0.1', r));
    const received: string[] = [];
    daemon.on('message', (m) => received.push(m.toString()));
    const env: Record<string, string | undefined> = { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`, _X_AMZN_TRACE_ID: 'Root=1-a-b;Parent=p;Sampled=0' };
    const trace = xrayTracer(env)!;
    trace(attributes, 0, 1);
    env._X_AMZN_TRACE_ID = 'Root=1-a-b;Parent=p;Sampled=1';
    trace(attributes, 0, 1);
    for (let i = 0; i < 100 && !received.length; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    daemon.close();
    expect(received).toHaveLength(1);
    const [header, body] = received[0]!.split('\n');
    expect(JSON.parse(header!)).toEqual({ format: 'json', version: 1 });
    expect(JSON.parse(body!)).toMatchObject({ name: 'gen_ai', trace_id: '1-a-b', parent_id: 'p', annotations: { gen_ai_request_id: 'req_1' } });
    expect(xrayTracer({})).toBeUndefined();
  });
});
