// The agents that speak the Responses API, run as a new user would against the local gateway with fake upstreams
// on loopback: the OpenAI Agents SDK (@openai/agents) running an agent with one function tool, and Codex CLI
// (`codex exec` with a custom provider, wire_api = "responses") finishing a one-line task; each served once
// natively (a fake OpenAI Responses API) and once through the chat core (a fake Anthropic API).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, OpenAIProvider, Runner, tool } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { anthropicMessage, anthropicTextEvents, startFakeAnthropic, type FakeProvider } from '../../fakes/anthropic';
import { functionCall, openaiResponse, openaiResponseEvents, outputMessage, startFakeOpenAIResponses } from '../../fakes/openai-responses';
import { sendJson, sendSse } from '../../fakes/upstream';
import { baseConfig, startTestGateway, TEST_KEY, type TestGateway } from '../../helpers/gateway';

const KEYS = { openai: 'sk-agents-openai-fake', anthropic: 'sk-ant-agents-fake' };
/** Codex may take a while to start: the test gives it this long, then kills it */
const CODEX_TIMEOUT_MS = 90_000;

let gw: TestGateway;
let openai: FakeProvider;
let anthropic: FakeProvider;

type Kind = 'openai' | 'anthropic';

/** a tool call first; once its output is in the conversation, the final answer */
function scriptWeatherAgent(kind: Kind): void {
  if (kind === 'openai') {
    openai.reply((req, res) => {
      const input = (req.body as { input: Array<{ type?: string; output?: string }> }).input;
      const result = input.find((i) => i.type === 'function_call_output');
      sendJson(res, 200, openaiResponse('gpt-4.1', result ? [outputMessage(`It is ${result.output} in Paris.`)] : [functionCall('get_weather', '{"city":"Paris"}', 'call_agents_1')]));
    });
    return;
  }
  anthropic.reply((req, res) => {
    const messages = (req.body as { messages: Array<{ content: Array<{ type: string; content?: unknown }> }> }).messages;
    const result = messages.flatMap((m) => m.content).find((b) => b.type === 'tool_result');
    const usage = { input_tokens: 40, output_tokens: 10 };
    if (!result) return sendJson(res, 200, anthropicMessage('claude-sonnet-4-5', [{ type: 'tool_use', id: 'toolu_agents_1', name: 'get_weather', input: { city: 'Paris' } }], 'tool_use', usage));
    const text = typeof result.content === 'string' ? result.content : JSON.stringify(result.content);
    sendJson(res, 200, anthropicMessage('claude-sonnet-4-5', [{ type: 'text', text: `It is ${text.includes('sunny') ? 'sunny' : text} in Paris.` }], 'end_turn', usage));
  });
}

beforeAll(async () => {
  openai = await startFakeOpenAIResponses(KEYS.openai);
  anthropic = await startFakeAnthropic(KEYS.anthropic);
  gw = await startTestGateway(
    baseConfig({
      providers: [
        { id: 'oai', type: 'openai', preset: 'openai', baseUrl: `${openai.url}/v1`, apiKeyEnv: 'AGENTS_OPENAI_KEY' },
        { id: 'claude', type: 'anthropic', baseUrl: anthropic.url, apiKeyEnv: 'AGENTS_ANTHROPIC_KEY' },
      ],
      models: [
        { name: 'openai', targets: [{ provider: 'oai', model: 'gpt-4.1' }] },
        { name: 'anthropic', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
      ],
      pricing: { 'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 }, 'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 } },
    }),
    { env: { AGENTS_OPENAI_KEY: KEYS.openai, AGENTS_ANTHROPIC_KEY: KEYS.anthropic } },
  );
});

afterAll(async () => {
  await gw?.close();
  await openai?.close();
  await anthropic?.close();
});

describe.each<Kind>(['openai', 'anthropic'])('agents through the Responses door, served by %s', (kind) => {
  it('the OpenAI Agents SDK runs an agent with one function tool', async () => {
    scriptWeatherAgent(kind);
    const calls: string[] = [];
    const weather = tool({
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return 'sunny';
      },
    });
    const agent = new Agent({ name: 'Forecaster', instructions: 'Use the tool to answer.', model: kind, tools: [weather] });
    // tracing exports to OpenAI's own servers: off, so the run stays on loopback
    const runner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: TEST_KEY, baseURL: `${gw.url}/v1`, useResponses: true }), tracingDisabled: true });

    const result = await runner.run(agent, 'What is the weather in Paris?');

    expect(calls).toEqual(['Paris']);
    expect(result.finalOutput).toBe('It is sunny in Paris.');
  });

  it('Codex CLI (codex exec, wire_api = "responses") completes a one-line task', async () => {
    const home = await mkdtemp(join(tmpdir(), 'codex-home-'));
    const work = await mkdtemp(join(tmpdir(), 'codex-work-'));
    try {
      // the answer is a word the prompt does not hold, so only the model's answer can print it
      if (kind === 'openai') openai.reply((_req, res) => sendSse(res, openaiResponseEvents('gpt-4.1', ['PINE', 'APPLE'])));
      else anthropic.reply((_req, res) => sendSse(res, anthropicTextEvents('claude-sonnet-4-5', ['PINE', 'APPLE'], { input_tokens: 900, output_tokens: 2 })));
      const fake = kind === 'openai' ? openai : anthropic;
      const from = fake.received.length;
      // the README's set-up: a custom provider at the gateway, the gateway key in an environment variable
      await writeFile(
        join(home, 'config.toml'),
        [
          `model = "${kind}"`,
          'model_provider = "switchboard"',
          '',
          '[model_providers.switchboard]',
          'name = "Switchboard"',
          `base_url = "${gw.url}/v1"`,
          'env_key = "SWITCHBOARD_API_KEY"',
          'wire_api = "responses"',
          '',
        ].join('\n'),
      );
      const { stdout, stderr, code } = await codex(['exec', '--skip-git-repo-check', 'Name a fruit in one word.'], { cwd: work, home });

      expect(code, stderr).toBe(0);
      // codex exec prints the agent's last message alone on stdout
      expect(stdout.trim()).toBe('PINEAPPLE');
      const [sent] = fake.bodies(from) as Array<Record<string, unknown>>;
      if (kind === 'openai') {
        // Codex's own request reached OpenAI: its namespace tool as sent, web_search dropped (billed per call)
        const types = (sent!.tools as Array<{ type: string }>).map((t) => t.type);
        expect(types).toContain('namespace');
        expect(types).not.toContain('web_search');
        expect(sent).toMatchObject({ store: false, stream: true, include: ['reasoning.encrypted_content'] });
      } else {
        // translated: namespaced tools as functions named <namespace>__<tool>, no web search
        const names = (sent!.tools as Array<{ name: string }>).map((t) => t.name);
        expect(names.some((n) => n.includes('__'))).toBe(true);
        expect(names).not.toContain('web_search');
        expect((sent!.messages as Array<{ role: string }>).at(-1)!.role).toBe('user');
      }
    } finally {
      await rm(home, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    }
  }, CODEX_TIMEOUT_MS + 10_000);
});

/** run the Codex CLI from the dev dependency, bounded by CODEX_TIMEOUT_MS, offline but for the gateway */
function codex(args: string[], opts: { cwd: string; home: string }): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(process.cwd(), 'node_modules/@openai/codex/bin/codex.js'), ...args],
      {
        cwd: opts.cwd,
        timeout: CODEX_TIMEOUT_MS,
        env: { PATH: process.env.PATH, HOME: opts.home, CODEX_HOME: opts.home, SWITCHBOARD_API_KEY: TEST_KEY, NO_COLOR: '1', RUST_LOG: 'error' },
      },
      (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 }),
    );
    // codex exec reads more of the prompt from a stdin that is not a terminal, until it ends
    child.stdin?.end();
  });
}
