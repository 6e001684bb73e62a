// What the Anthropic door answers, checked against Anthropic's own API definition: the types of the official
// TypeScript SDK (@anthropic-ai/sdk, generated from Anthropic's OpenAPI document). Every answer the gateway
// writes itself — Messages and stream events translated from chat targets, token counts, errors before and
// during a stream — is compiled as a literal of its SDK type (Message, RawMessageStreamEvent,
// MessageTokensCount, ErrorResponse) with the TypeScript compiler: a missing field, a wrong type or a field
// Anthropic does not define fails the test. Answers of an Anthropic target are Anthropic's, forwarded as they
// came (anthropic-messages.test.ts checks that byte for byte).
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, sseEvent, startFakeAnthropic, type FakeProvider } from '../../fakes/anthropic';
import { geminiAnswer, geminiFrame, startFakeGemini } from '../../fakes/gemini';
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream, type ReceivedRequest } from '../../fakes/upstream';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../../helpers/gateway';

type SdkType = 'Message' | 'RawMessageStreamEvent' | 'MessageTokensCount' | 'ErrorResponse';

interface Sample {
  what: string;
  type: SdkType;
  value: unknown;
}

/** where the virtual file lives: module resolution finds the SDK from here */
const VIRTUAL = fileURLToPath(new URL('./__anthropic_contract__.ts', import.meta.url));

/** Compile every sample as a literal of its SDK type; the diagnostics, each with the sample it is about. */
function typeErrors(samples: Sample[]): string[] {
  const lines = [
    "import type { Message, RawMessageStreamEvent, MessageTokensCount } from '@anthropic-ai/sdk/resources/messages';",
    "import type { ErrorResponse } from '@anthropic-ai/sdk/resources/shared';",
    ...samples.map((s, i) => `// ${s.what}\nexport const sample${i}: ${s.type} = ${JSON.stringify(s.value, null, 1)};`),
  ];
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, create) => (name === VIRTUAL ? ts.createSourceFile(name, source, language) : read(name, language, onError, create));
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name === VIRTUAL || exists(name);
  const program = ts.createProgram([VIRTUAL], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const owner = source.split('\n').slice(0, line + 1).reverse().find((l) => l.startsWith('// '));
    return `${owner?.slice(3) ?? '?'}: ${text}`;
  });
}

/** the data of each SSE frame */
function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => JSON.parse(frame.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as unknown);
}

describe('Anthropic door answers against the official SDK types', () => {
  let gw: TestGateway;
  let openai: FakeUpstream;
  let gemini: FakeProvider;
  let claude: FakeProvider;
  const samples: Sample[] = [];

  beforeAll(async () => {
    openai = await startFakeUpstream((req: ReceivedRequest, res: http.ServerResponse) => {
      const body = req.body as { model: string; stream?: boolean; tools?: unknown[] };
      const base = { id: 'chatcmpl-k', object: 'chat.completion.chunk', created: 1, model: body.model };
      const call = { id: 'call_k1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a"}' } };
      if (!body.stream) {
        return sendJson(res, 200, {
          id: 'chatcmpl-k', object: 'chat.completion', created: 1, model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'Reading.', tool_calls: body.tools ? [call] : undefined }, finish_reason: body.tools ? 'tool_calls' : 'stop' }],
          usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 10 } },
        });
      }
      const frame = (choices: unknown[], usage: unknown = null) => `data: ${JSON.stringify({ ...base, choices, usage })}\n\n`;
      return sendSse(res, [
        frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
        frame([{ index: 0, delta: { content: 'Reading.' }, finish_reason: null }]),
        frame([{ index: 0, delta: { tool_calls: [{ index: 0, ...call, function: { name: 'read_file', arguments: '' } }] }, finish_reason: null }]),
        frame([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"path":"a"}' } }] }, finish_reason: null }]),
        frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
        frame([], { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 }),
        'data: [DONE]\n\n',
      ]);
    });
    gemini = await startFakeGemini('gem-contract-key');
    gemini.reply((req, res) => {
      const answer = geminiAnswer([{ text: 'Hallo' }, { functionCall: { name: 'read_file', args: { path: 'b' } } }], 'STOP', { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 });
      return req.path.includes('stream') ? sendSse(res, [geminiFrame(answer)]) : sendJson(res, 200, answer);
    });
    claude = await startFakeAnthropic('sk-ant-contract');
    claude.reply((_req, res) =>
      sendSse(res, [
        sseEvent('message_start', { type: 'message_start', message: anthropicMessage('claude-sonnet-4-5', [], null as never, { input_tokens: 3, output_tokens: 1 }) }),
        sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'cut' } }),
        sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ]),
    );
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'oai', type: 'openai', baseUrl: `${openai.url}/v1` },
          { id: 'gem', type: 'gemini', baseUrl: gemini.url, apiKeyEnv: 'CONTRACT_GEMINI_KEY' },
          { id: 'anthropic', type: 'anthropic', baseUrl: claude.url, apiKeyEnv: 'CONTRACT_ANTHROPIC_KEY' },
          { id: 'mock', type: 'mock' },
        ],
        models: [
          { name: 'gpt', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
          { name: 'gemini', targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }] },
          { name: 'claude', targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
          { name: 'echo', targets: [{ provider: 'mock', model: 'echo' }] },
        ],
        tenants: [{ id: 'test', apiKeys: [TEST_KEY], models: ['gpt', 'gemini', 'claude', 'echo'], limits: { requestsPerMinute: 1_000 } }],
        pricing: { 'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 }, 'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 }, 'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 }, echo: { inputPerMTok: 1, outputPerMTok: 2 } },
      }),
      { env: { CONTRACT_GEMINI_KEY: 'gem-contract-key', CONTRACT_ANTHROPIC_KEY: 'sk-ant-contract' } },
    );

    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => gw.call(path, { body, headers: { authorization: '', 'x-api-key': TEST_KEY, ...headers } });
    const tools = [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }];
    for (const model of ['gpt', 'gemini', 'echo']) {
      const ask = { model, max_tokens: 50, tools: model === 'echo' ? undefined : tools, messages: [{ role: 'user', content: 'Read it' }] };
      const whole = await post('/v1/messages', ask);
      expect(whole.status).toBe(200);
      samples.push({ what: `${model}: message`, type: 'Message', value: await whole.json() });
      const streamed = await post('/v1/messages', { ...ask, stream: true });
      for (const event of sseData(await streamed.text())) {
        // pings keep the connection alive; the SDK types them apart from the message events
        if ((event as { type: string }).type !== 'ping') samples.push({ what: `${model}: stream event ${(event as { type: string }).type}`, type: 'RawMessageStreamEvent', value: event });
      }
      const counted = await post('/v1/messages/count_tokens', { model, messages: ask.messages });
      samples.push({ what: `${model}: token count`, type: 'MessageTokensCount', value: await counted.json() });
    }
    const errors: Array<[string, Promise<Response>]> = [
      ['400', post('/v1/messages', { model: 'echo', max_tokens: 0, messages: [] })],
      ['401', gw.call('/v1/messages', { body: { model: 'echo', max_tokens: 5, messages: [] }, headers: { authorization: '', 'x-api-key': 'sk-wrong' } })],
      ['404', post('/v1/messages', { model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })],
      ['403', post('/v1/messages/count_tokens', { model: 'oai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })],
    ];
    for (const [status, pending] of errors) {
      const res = await pending;
      expect(String(res.status)).toBe(status);
      samples.push({ what: `error ${status}`, type: 'ErrorResponse', value: await res.json() });
    }
    const cut = await post('/v1/messages', { model: 'claude', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] });
    const last = sseData(await cut.text()).at(-1);
    expect(last).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    samples.push({ what: 'mid-stream error event', type: 'ErrorResponse', value: last });
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([openai?.close(), gemini?.close(), claude?.close()]);
  });

  it('every answer, stream event, token count and error is a literal of its SDK type', () => {
    expect(samples.length).toBeGreaterThan(30);
    expect(samples.filter((s) => s.value && typeof s.value === 'object' && (s.value as { type?: string }).type === 'content_block_start').length).toBeGreaterThanOrEqual(5);
    expect(typeErrors(samples)).toEqual([]);
  });

  it('the check has teeth: a Message missing a field, or with one Anthropic does not define, fails it', () => {
    const message = samples.find((s) => s.type === 'Message')!.value as Record<string, unknown>;
    const { stop_reason: _dropped, ...missing } = message;
    expect(typeErrors([{ what: 'missing', type: 'Message', value: missing }]).join('\n')).toMatch(/stop_reason/);
    expect(typeErrors([{ what: 'extra', type: 'Message', value: { ...message, finish_reason: 'stop' } }]).join('\n')).toMatch(/finish_reason/);
  });
});
