import { describe, expect, it } from 'vitest';
import { applyParams, stopList, type ParamRule } from '../../../../lambdas/providers/shared/params';
import { request } from '../../../helpers/provider-fixtures';

describe('request mapping tables', () => {
  const rules: ParamRule[] = [
    { from: 'temperature', to: 'config.temperature', min: 0, max: 1 },
    { from: 'top_p', to: 'config.topP', min: 0.1 },
    { from: 'stop', to: 'stopSequences', transform: stopList },
    { from: 'user', to: 'metadata.user.id' },
    { from: (req) => req.max_completion_tokens ?? req.max_tokens, to: 'maxTokens' },
    { from: 'seed', to: 'seed', transform: () => undefined },
  ];

  it('moves each set field to its nested place, clamped to the native range', () => {
    const body = applyParams(request([{ role: 'user', content: 'x' }], { temperature: 1.7, top_p: 0, stop: 'END', user: 'u', max_tokens: 9, seed: 1 }), rules, {});
    expect(body).toEqual({ config: { temperature: 1, topP: 0.1 }, stopSequences: ['END'], metadata: { user: { id: 'u' } }, maxTokens: 9 });
  });

  it('leaves out fields the request does not set or sets to null, and keeps what the body already holds', () => {
    const body = applyParams(request([{ role: 'user', content: 'x' }], { temperature: null }), rules, { config: { kept: true } });
    expect(body).toEqual({ config: { kept: true } });
  });
});
