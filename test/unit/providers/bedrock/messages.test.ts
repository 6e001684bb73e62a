import { describe, expect, it } from 'vitest';
import { bedrockMessagesBody, isBedrockClaude } from '../../../../lambdas/providers/bedrock/messages';

describe('the Messages body as Bedrock takes it for Claude', () => {
  it('has Bedrock\'s version and the betas given, and none of the fields Bedrock calls extraneous', () => {
    const body = bedrockMessagesBody(
      { model: 'x', max_tokens: 100, stream: true, metadata: { user_id: 'u' }, service_tier: 'auto', messages: [{ role: 'user', content: 'Hi' }], thinking: { type: 'adaptive' }, context_management: { edits: [] } },
      ['context-1m-2025-08-07'],
    );
    expect(body).toEqual({ anthropic_version: 'bedrock-2023-05-31', anthropic_beta: ['context-1m-2025-08-07'], max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], thinking: { type: 'adaptive' }, context_management: { edits: [] } });
  });

  it('moves mid-conversation system turns into the system prompt, in order', () => {
    const body = bedrockMessagesBody(
      { model: 'x', max_tokens: 10, system: 'Base.', messages: [{ role: 'user', content: 'a' }, { role: 'system', content: 'Later.' }, { role: 'assistant', content: 'b' }, { role: 'system', content: [{ type: 'text', text: 'Last.' }] }] },
      [],
    );
    expect(body.system).toEqual([{ type: 'text', text: 'Base.' }, { type: 'text', text: 'Later.' }, { type: 'text', text: 'Last.' }]);
    expect(body.messages).toEqual([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
    expect(body).not.toHaveProperty('anthropic_beta');
  });

  it('knows Claude by model id and inference profile, and nothing else', () => {
    for (const id of ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'global.anthropic.claude-opus-4-1-20250805-v1:0']) expect(isBedrockClaude(id)).toBe(true);
    for (const id of ['amazon.nova-pro-v1:0', 'meta.llama3-70b-instruct-v1:0', 'claude-sonnet-4-5']) expect(isBedrockClaude(id)).toBe(false);
  });
});
