// The front doors the gateway serves, by path and method: each turns a wire format into the core's request and
// the core's answer back (lambdas/core/pipeline/serve.ts runs them all the same way).
import type { DoorRoutes } from '../core/gateway';
import { openaiChatDoor } from './openai-chat';
import { RESPONSES_ROUTES } from './openai-responses';

export const DOORS: DoorRoutes = {
  '/v1/chat/completions': { POST: openaiChatDoor },
  ...RESPONSES_ROUTES,
};
