// The front doors the gateway serves, by path and method: each turns a wire format into the core's request and
// the core's answer back (lambdas/core/pipeline/serve.ts runs them all the same way).
import type { DoorRoutes } from '../core/gateway';
import { anthropicMessagesDoor } from './anthropic-messages';
import { countTokensRoute } from './anthropic-messages/count-tokens';
import { openaiChatDoor } from './openai-chat';
import { RESPONSES_ROUTES } from './openai-responses';
import { HISTORY_ROUTES } from '../core/history/routes';

export const DOORS: DoorRoutes = {
  '/v1/chat/completions': { POST: openaiChatDoor },
  '/v1/messages': { POST: anthropicMessagesDoor },
  '/v1/messages/count_tokens': { POST: countTokensRoute },
  ...RESPONSES_ROUTES,
  // request history (GET /v1/requests, /v1/requests/{id}): not a door, but routed beside them for its {id} template
  ...HISTORY_ROUTES,
};
