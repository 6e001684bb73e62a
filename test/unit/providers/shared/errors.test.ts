// Upstream error text is cleaned where every provider error is made: keys, account ids and ARNs never reach
// the tenant (error body, attempts, mid-stream events) or the log, whatever provider said them.
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../../lambdas/core/redact';
import { anthropicStreamError, mapAnthropicError } from '../../../../lambdas/providers/anthropic/errors';
import { mapBedrockError } from '../../../../lambdas/providers/bedrock/errors';
import { mapCohereError } from '../../../../lambdas/providers/cohere/errors';
import { geminiErrorFromBody, mapGeminiError } from '../../../../lambdas/providers/gemini/errors';
import { mapOpenAIError } from '../../../../lambdas/providers/openai/errors';
import { openaiStreamTranslator } from '../../../../lambdas/providers/openai/response';
import { transportError } from '../../../../lambdas/providers/shared/transport';
import { HttpConnectError } from '../../../../lambdas/core/ports';
import { ProviderError } from '../../../../lambdas/providers/types';

const OPENAI_KEY = 'sk-proj-Zx8kP2mQ7vR4tY1uW9eA3sD6fG0hJ5kL8zX2cV7bN4mQ1wE6rT9yU3iO5pA8sD2f';
const ANTHROPIC_KEY = 'sk-ant-api03-Qw3rTy7uIo9pAs1dFg5hJk2lZx8cVb4nMq6wEr0tYu-AbCdEfGh12';
const GOOGLE_KEY = 'AIzaSyD4x9Kq2mP7vR1tY8uW3eA6sF0gH5jL2cN';
const COHERE_KEY = 'Rk7pQ2mZ9xW4vT1yU8eA3sD6fG0hJ5kL2cN7bV4m';
const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/SwitchboardGatewayRole-1A2B3C/switchboard-gateway`;

/** nothing in `text` that the upstream said in secret */
function expectClean(text: string, ...secrets: string[]): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/sk-[A-Za-z0-9]{3}/);
  expect(text).not.toMatch(/(?<!\d)\d{12}(?!\d)/);
  expect(text).not.toMatch(/arn:aws/);
}

describe('provider error text is cleaned', () => {
  it('OpenAI: an echoed (masked or whole) key goes, the type and code stay', () => {
    const err = mapOpenAIError(
      401,
      {},
      JSON.stringify({ error: { message: 'Incorrect API key provided: sk-live-****WXYZ. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', code: 'invalid_api_key' } }),
    );
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(err.message).toContain('Incorrect API key provided: [redacted].');
    expectClean(err.message, 'sk-live-****WXYZ', 'WXYZ');
    const whole = mapOpenAIError(401, {}, JSON.stringify({ error: { message: `Incorrect API key provided: ${OPENAI_KEY}.`, code: 'invalid_api_key' } }));
    expectClean(whole.message, OPENAI_KEY);
  });

  it('an OpenAI-compatible proxy that echoes the Authorization header', () => {
    const err = mapOpenAIError(403, {}, `upstream refused: Authorization: Bearer ${OPENAI_KEY}, x-api-key: ${COHERE_KEY}`);
    expectClean(err.message, OPENAI_KEY, COHERE_KEY);
    expect(err.message).toMatch(/^upstream refused: Authorization: \[redacted\]/);
  });

  it('an OpenAI-compatible mid-stream error event', () => {
    const translator = openaiStreamTranslator();
    let thrown: unknown;
    try {
      translator.next({ error: { message: `key ${OPENAI_KEY} was revoked`, code: 'invalid_api_key' } } as never);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect((thrown as ProviderError).code).toBe('invalid_api_key');
    expectClean((thrown as ProviderError).message, OPENAI_KEY);
  });

  it('Anthropic: answers and stream error events', () => {
    const err = mapAnthropicError(401, {}, JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${ANTHROPIC_KEY}` } }));
    expect(err).toMatchObject({ status: 401, code: 'authentication_error' });
    expectClean(err.message, ANTHROPIC_KEY);
    const streamed = anthropicStreamError({ type: 'permission_error', message: `the key ${ANTHROPIC_KEY} of organization org-1 may not use this model` });
    expect(streamed).toMatchObject({ status: 403, code: 'permission_error' });
    expectClean(streamed.message, ANTHROPIC_KEY);
  });

  it('Gemini: a key echoed in a URL, and a stream error body', () => {
    const body = { error: { code: 403, message: `Method doesn't allow unregistered callers. Request URL: https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=${GOOGLE_KEY}`, status: 'PERMISSION_DENIED' } };
    const err = mapGeminiError(403, {}, JSON.stringify(body));
    expect(err).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expectClean(err.message, GOOGLE_KEY);
    expect(err.message).toContain("Method doesn't allow unregistered callers.");
    expectClean(geminiErrorFromBody({ error: { message: `API key ${GOOGLE_KEY} expired`, status: 'INVALID_ARGUMENT' } }, 500).message, GOOGLE_KEY);
  });

  it('Cohere: a bearer token in the message', () => {
    const err = mapCohereError(498, {}, JSON.stringify({ message: `invalid api token: ${COHERE_KEY}` }));
    expect(err.status).toBe(401);
    expectClean(err.message, COHERE_KEY);
  });

  it('Bedrock: AccessDenied with the account id and the role ARN, and a signature error with the access key id', () => {
    const denied = Object.assign(
      new Error(
        `User: ${ROLE_ARN} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2 because no identity-based policy allows the bedrock:InvokeModel action`,
      ),
      { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } },
    );
    const mapped = mapBedrockError(denied) as ProviderError;
    expect(mapped).toMatchObject({ status: 403, code: 'AccessDeniedException' });
    expectClean(mapped.message, ACCOUNT, 'SwitchboardGatewayRole');
    expect(mapped.message).toContain('is not authorized to perform: bedrock:InvokeModel');

    const signature = Object.assign(new Error('The security token included in the request is invalid. Access key: ASIAY34FZKBOKMUTVV7A'), { name: 'UnrecognizedClientException' });
    expectClean((mapBedrockError(signature) as ProviderError).message, 'ASIAY34FZKBOKMUTVV7A');
    const network = Object.assign(new Error(`getaddrinfo ENOTFOUND bedrock-runtime.eu-west-1.amazonaws.com for ${ROLE_ARN}`), { code: 'ENOTFOUND' });
    expectClean((mapBedrockError(network) as ProviderError).message, ACCOUNT);
  });

  it('a connect failure message', () => {
    const err = transportError(new HttpConnectError(`connect ECONNREFUSED via proxy user:${COHERE_KEY}@10.0.0.1`, 'ECONNREFUSED')) as ProviderError;
    expectClean(err.message, COHERE_KEY);
  });
});

describe('redactSecrets', () => {
  it('keeps what says what went wrong: model names, request ids, numbers, field names', () => {
    for (const text of [
      'The model `mistralai/Mixtral-8x7B-Instruct-v0.1` does not exist or you do not have access to it.',
      "This model's maximum context length is 128000 tokens. However, you requested 130512 tokens (126416 in the messages, 4096 in the completion).",
      'max_tokens: 100000 > 8192, which is the maximum allowed number of output tokens for claude-3-5-sonnet-20241022',
      'request 3f9c2a7d-01be-4c2a-9d1e-0123456789ab failed: * GenerateContentRequest.contents: contents is not specified',
      'Invalid bearer token',
      'anthropic.claude-3-5-sonnet-20241022-v2:0 is not available in eu-west-1',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it('removes long random runs, JWTs and known key prefixes', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const text = `token ${jwt}; groq gsk_abcdefABCDEF1234567890xyz; together 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08; mistral ${COHERE_KEY}`;
    const out = redactSecrets(text);
    for (const secret of [jwt, 'gsk_abcdefABCDEF1234567890xyz', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', COHERE_KEY]) expect(out).not.toContain(secret);
    expect(out).toBe('token [redacted]; groq [redacted]; together [redacted]; mistral [redacted]');
  });

  it('bounds the length of what a provider said', () => {
    expect(redactSecrets('x '.repeat(10_000)).length).toBeLessThanOrEqual(1_000);
  });
});
