// Claude Code (`claude -p`, the npm package's own binary) through the gateway, set up as the README tells a new
// user: ANTHROPIC_BASE_URL at the gateway, a gateway key as ANTHROPIC_API_KEY, an alias as ANTHROPIC_MODEL. The
// upstream is a fake on loopback that asks for one Write tool call and then answers; the task is done when the
// file is on disk. Served once by an Anthropic fake (the CLI's request reaches it intact) and once by an
// OpenAI-type fake (translated both ways). Bounded: a fresh HOME, loopback only, and a timeout.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, sseEvent, startFakeAnthropic, type FakeProvider } from '../../fakes/anthropic';
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream, type ReceivedRequest } from '../../fakes/upstream';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../../helpers/gateway';

const ANTHROPIC_KEY = 'sk-ant-fake-claude-code-01';
const OPENAI_KEY = 'sk-openai-fake-claude-code-01';
const CLAUDE = 'claude-sonnet-4-5';
// under the suite's 60 s test timeout, so a hung CLI is killed and its output shown
const CLI_TIMEOUT_MS = 45_000;
/** the CLI's launcher: finds the platform's native binary among the package's optional dependencies */
const CLI = createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/cli-wrapper.cjs');

interface Run {
  code: number | null;
  output: string;
}

/** `claude -p <task>` in `cwd`, against the gateway, with nothing of the machine's own Claude setup */
async function claudePrint(gatewayUrl: string, model: string, cwd: string, home: string, task: string): Promise<Run> {
  const child = spawn(process.execPath, [CLI, '-p', task, '--permission-mode', 'acceptEdits', '--allowedTools', 'Write'], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: gatewayUrl,
      ANTHROPIC_API_KEY: TEST_KEY,
      ANTHROPIC_MODEL: model,
      ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

/** the tool call the fakes ask for: write the file the task names */
function writeInput(cwd: string) {
  return { file_path: path.join(cwd, 'hello.txt'), content: 'hi\n' };
}

/** Anthropic's events for a tool call to Write, or for a closing text */
function anthropicTurn(req: ReceivedRequest, res: http.ServerResponse, cwd: string): void {
  const body = req.body as { stream?: boolean; tools?: Array<{ name: string }>; messages: Array<{ content: unknown }> };
  const answered = JSON.stringify(body.messages.at(-1)?.content ?? '').includes('tool_result') || JSON.stringify(body.messages).includes('"tool_result"');
  const useTool = !answered && body.tools?.some((t) => t.name === 'Write');
  const usage = { input_tokens: 900, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  const block = useTool ? { type: 'tool_use', id: 'toolu_cc_write_1', name: 'Write', input: writeInput(cwd) } : { type: 'text', text: 'Wrote hello.txt.' };
  const stop = useTool ? 'tool_use' : 'end_turn';
  if (!body.stream) return sendJson(res, 200, anthropicMessage(CLAUDE, [block], stop, usage));
  void sendSse(res, [
    sseEvent('message_start', { type: 'message_start', message: anthropicMessage(CLAUDE, [], null as never, { ...usage, output_tokens: 1 }) }),
    sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: useTool ? { ...block, input: {} } : { type: 'text', text: '' } }),
    sseEvent('ping', { type: 'ping' }),
    sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: useTool ? { type: 'input_json_delta', partial_json: JSON.stringify(writeInput(cwd)) } : { type: 'text_delta', text: 'Wrote hello.txt.' } }),
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 20 } }),
    sseEvent('message_stop', { type: 'message_stop' }),
  ]);
}

/** OpenAI's chunks for the same two turns */
function openaiTurn(req: ReceivedRequest, res: http.ServerResponse, cwd: string): void {
  const body = req.body as { model: string; tools?: Array<{ function: { name: string } }>; messages: Array<{ role: string }> };
  const useTool = !body.messages.some((m) => m.role === 'tool') && body.tools?.some((t) => t.function.name === 'Write');
  const base = { id: 'chatcmpl-cc', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model };
  const frame = (choices: unknown[], usage: unknown = null) => `data: ${JSON.stringify({ ...base, choices, usage })}\n\n`;
  const delta = useTool
    ? { tool_calls: [{ index: 0, id: 'call_cc_write_1', type: 'function', function: { name: 'Write', arguments: JSON.stringify(writeInput(cwd)) } }] }
    : { content: 'Wrote hello.txt.' };
  void sendSse(res, [
    frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    frame([{ index: 0, delta, finish_reason: null }]),
    frame([{ index: 0, delta: {}, finish_reason: useTool ? 'tool_calls' : 'stop' }]),
    frame([], { prompt_tokens: 900, completion_tokens: 20, total_tokens: 920 }),
    'data: [DONE]\n\n',
  ]);
}

describe('Claude Code through the gateway', () => {
  let gw: TestGateway;
  let claude: FakeProvider;
  let openai: FakeUpstream;
  let work: string;
  let cwd = '';

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'switchboard-claude-code-'));
    claude = await startFakeAnthropic(ANTHROPIC_KEY);
    claude.reply((req, res) => anthropicTurn(req, res, cwd));
    openai = await startFakeUpstream((req, res) => {
      if (req.headers.authorization !== `Bearer ${OPENAI_KEY}`) return sendJson(res, 401, { error: { message: 'bad key', type: 'invalid_request_error' } });
      openaiTurn(req, res, cwd);
    });
    gw = await startTestGateway(
      baseConfig({
        providers: [
          { id: 'anthropic', type: 'anthropic', baseUrl: claude.url, apiKeyEnv: 'CC_ANTHROPIC_KEY' },
          { id: 'oai', type: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'CC_OPENAI_KEY' },
        ],
        models: [
          { name: 'claude', targets: [{ provider: 'anthropic', model: CLAUDE }] },
          { name: 'gpt', targets: [{ provider: 'oai', model: 'gpt-4.1' }] },
        ],
        // Claude Code asks for up to 32,000 output tokens: the budget must hold that worst case
        tenants: [{ id: 'test', apiKeys: [TEST_KEY], budget: { perRequestUsd: 5, dailyUsd: 50 } }],
        pricing: { [CLAUDE]: { inputPerMTok: 3, outputPerMTok: 15 }, 'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 } },
      }),
      { env: { CC_ANTHROPIC_KEY: ANTHROPIC_KEY, CC_OPENAI_KEY: OPENAI_KEY } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([claude?.close(), openai?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  it.each([
    ['an Anthropic target (natively)', 'claude'],
    ['an OpenAI-type target (translated)', 'gpt'],
  ])('completes a one-line task served by %s', async (_name, alias) => {
    cwd = await mkdtemp(path.join(work, `${alias}-`));
    const home = await mkdtemp(path.join(work, `${alias}-home-`));
    const fake = alias === 'claude' ? claude : openai;
    const before = fake.received.length;

    const run = await claudePrint(gw.url, alias, cwd, home, 'Create hello.txt containing hi');

    expect(run.output).toContain('Wrote hello.txt.');
    expect(run.code).toBe(0);
    expect(await readFile(path.join(cwd, 'hello.txt'), 'utf8')).toBe('hi\n');
    const calls = fake.received.slice(before).map((r) => r.body as Record<string, unknown>);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    const last = JSON.stringify(calls.at(-1));
    if (alias === 'claude') {
      // the CLI's own request, whole: its betas forwarded, thinking and output_config intact, the cap it asked
      const received = fake.received.at(-1)!;
      expect(String(received.headers['anthropic-beta'])).toContain('claude-code-20250219');
      expect(calls[0]).toMatchObject({ model: CLAUDE, stream: true, thinking: expect.any(Object), metadata: { user_id: expect.any(String) } });
      expect(last).toContain('"tool_result"');
      expect(last).toContain('toolu_cc_write_1');
    } else {
      expect(calls[0]).toMatchObject({ model: 'gpt-4.1', stream: true });
      expect(JSON.stringify(calls[0])).not.toContain('"thinking"');
      expect(last).toContain('"role":"tool"');
      expect(last).toContain('call_cc_write_1');
    }
    const served = gw.logger.lines.filter((l) => l.includes('"route":"/v1/messages"') && l.includes(`"gen_ai.request.model":"${alias}"`) && l.includes('"status":200'));
    expect(served.length).toBeGreaterThanOrEqual(2);
  });
});
