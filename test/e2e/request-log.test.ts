// The one log line per request, as the Powertools logger prints it: under 1 KB for a typical request, and
// still under 1 KB when the caller sends the longest model name, path and request id it can.
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { validateGatewayConfig } from '../../lambdas/core/config/load';
import { startLocalGateway, type LocalGateway } from '../../lambdas/local/server';
import { baseConfig, TEST_KEY } from '../helpers/gateway';

const KB = 1024;

describe('the request log line', () => {
  let gw: LocalGateway;
  let stdout: MockInstance;
  const printed: string[] = [];

  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (printed.push(...String(chunk).split('\n').filter(Boolean)), true));
    // no logger given: the gateway logs through Powertools, as in Lambda
    gw = await startLocalGateway({ config: validateGatewayConfig(baseConfig(), 'test config'), port: 0, env: {}, healthCheckIntervalMs: 0, sweepIntervalMs: 0 });
  });

  afterAll(async () => {
    await gw?.close();
    stdout?.mockRestore();
    vi.unstubAllEnvs();
  });

  /** send a request and return the request line it was logged with (written after the last byte) */
  async function requestLine(path: string, body: unknown, headers: Record<string, string> = {}): Promise<string> {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const requestId = res.headers.get('x-request-id')!;
    await res.text();
    for (let i = 0; i < 100; i++) {
      const line = printed.find((l) => l.includes('"message":"request"') && l.includes(JSON.stringify(requestId)));
      if (line) return line;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no request line for ${requestId}`);
  }

  it('is under 1 KB for a typical chat completion, and carries what the request did', async () => {
    // Act
    const line = await requestLine('/v1/chat/completions', {
      model: 'echo',
      messages: [
        { role: 'system', content: 'You answer questions about our bookshop.' },
        { role: 'user', content: 'Do you ship paperback books to Canada?' },
      ],
    });

    // Assess
    expect(Buffer.byteLength(line)).toBeLessThan(KB);
    expect(JSON.parse(line)).toMatchObject({ level: 'INFO', tenant: 'test', 'gen_ai.request.model': 'echo', provider: 'mock', status: 200, attempts: 1 });
  });

  it('carries the OpenTelemetry GenAI attributes of the call (system, operation, models, tokens) and the request id', async () => {
    const line = JSON.parse(await requestLine('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'count my tokens' }] }, { 'x-request-id': 'genai-attrs-1' })) as Record<string, unknown>;
    expect(line).toMatchObject({
      'gen_ai.system': 'mock',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'echo',
      'gen_ai.response.model': 'echo',
      requestId: 'genai-attrs-1',
    });
    expect(line['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(line['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(typeof line.firstByteMs).toBe('number');
  });

  it('does not repeat on every line what the log group already says (function ARN, name, memory, service)', async () => {
    // Act
    const line = JSON.parse(await requestLine('/v1/chat/completions', { model: 'echo', messages: [{ role: 'user', content: 'hi' }] })) as Record<string, unknown>;

    // Assess
    expect(line).toHaveProperty('function_request_id');
    for (const key of ['function_arn', 'function_name', 'function_memory_size', 'service', 'sampling_rate', 'receivedAt']) expect(line).not.toHaveProperty(key);
  });

  it('stays under 1 KB when the model, the path and the request id are as long as a caller can make them', async () => {
    // Prepare
    const longId = `id-${'7'.repeat(125)}`; // the longest x-request-id the gateway takes as the caller's
    const longModel = `mock/${'m'.repeat(4_000)}`;

    // Act
    const lines = [
      await requestLine('/v1/chat/completions', { model: longModel, messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': longId }),
      await requestLine(`/v1/${'p'.repeat(6_000)}`, { model: 'echo' }, { 'x-request-id': `${longId.slice(0, -1)}8` }),
    ];

    // Assess
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThan(KB);
    // the GenAI attributes are bounded like the rest
    // a path no route knows is logged (and measured) as "other", whatever its length
    expect((JSON.parse(lines[1]!) as { route: string }).route).toBe('other');
  });
});
