import type { ConverseCommandOutput, ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { bedrockStreamTranslator, fromConverseOutput } from '../../../../lambdas/providers/bedrock/response';
import { mapBedrockError } from '../../../../lambdas/providers/bedrock/errors';
import { ChunkBuilder, pumpStream } from '../../../../lambdas/providers/shared/stream';
import { collect, expectGoldenStream, fixture, type GoldenStream } from '../../../helpers/provider-fixtures';

const CREATED = 1_700_000_000;
const MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

async function* events(list: ConverseStreamOutput[], failWith?: Error): AsyncGenerator<ConverseStreamOutput> {
  yield* list;
  if (failWith) throw failWith;
}

function translate(list: ConverseStreamOutput[], failWith?: Error) {
  let cancelled = false;
  const stream = pumpStream(events(list, failWith), bedrockStreamTranslator(new ChunkBuilder('chatcmpl-test', MODEL, CREATED)), {
    cancel: () => (cancelled = true),
    mapError: mapBedrockError,
  });
  return { stream, cancelled: () => cancelled };
}

describe('bedrock Converse answer mapping', () => {
  it('maps the golden Converse output: reasoning dropped, cache reads and writes inside prompt_tokens', () => {
    expect(fromConverseOutput(fixture<ConverseCommandOutput>('bedrock/converse-response.json'), MODEL, CREATED)).toEqual(fixture('bedrock/converse-response.openai.json'));
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
  ])('maps stopReason %s to %s', (stopReason, finish) => {
    const out = { ...fixture<ConverseCommandOutput>('bedrock/converse-response.json'), stopReason } as ConverseCommandOutput;
    expect(fromConverseOutput(out, MODEL, CREATED).choices[0]!.finish_reason).toBe(finish);
  });
});

describe('bedrock ConverseStream translation', () => {
  const golden = fixture<ConverseStreamOutput[]>('bedrock/converse-stream.events.json');

  it('translates the golden event sequence into OpenAI chunks', async () => {
    expectGoldenStream(await collect(translate(golden).stream), fixture<GoldenStream>('bedrock/converse-stream.openai.json'), CREATED);
  });

  it('refuses a stream that ended before messageStop', async () => {
    const cut = translate(golden.slice(0, 5));
    await expect(collect(cut.stream)).rejects.toMatchObject({ code: 'stream_truncated', retryable: true });
    expect(cut.cancelled()).toBe(true);
  });

  it('maps an exception the SDK throws mid-stream', async () => {
    const throttled = Object.assign(new Error('Too many tokens, please wait before trying again.'), { name: 'ThrottlingException' });
    await expect(collect(translate(golden.slice(0, 3), throttled).stream)).rejects.toMatchObject({ status: 429, retryable: true, code: 'ThrottlingException' });
  });
});
