// The request an OpenAI target receives: the client's own, with the conversation behind previous_response_id
// written out (OpenAI keeps nothing: store is false upstream, the gateway keeps the turn), the target's model,
// the reserved output cap, and no tool OpenAI would bill per call.
import type { InputItem } from '../../core/openai/responses';
import type { ResponsesDoorRequest } from './request';
import { nativeToolChoice } from './tools';

/** request fields the gateway consumes itself: never sent */
const GATEWAY_ONLY = ['previous_response_id', 'metadata', 'store', 'background', 'stream'] as const;

export function nativeBody(req: ResponsesDoorRequest, model: string, cap: number, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...req.body };
  for (const field of GATEWAY_ONLY) delete body[field];
  if (!stream) delete body.stream_options;
  body.model = model;
  body.input = [...req.history.flatMap(replayed), ...req.sent];
  body.max_output_tokens = cap;
  body.store = false;
  if (req.body.tools) body.tools = req.tools.native;
  if (req.body.tool_choice !== undefined) body.tool_choice = nativeToolChoice(req.body.tool_choice, req.tools);
  // with store false, reasoning comes back only encrypted: ask for it when the turn is kept, so the next turn
  // can give the model its reasoning again (the client sees it only if it asked)
  const include = new Set(req.body.include ?? []);
  if (req.store && req.body.reasoning) include.add('reasoning.encrypted_content');
  if (include.size) body.include = [...include];
  return body;
}

/**
 * A stored item sent again: without the id the gateway gave it (OpenAI keeps nothing to look it up by); reasoning
 * only with its encrypted content, which is what OpenAI reads when it stores nothing.
 */
function replayed(item: InputItem): InputItem[] {
  if (item.type === 'reasoning') return (item as { encrypted_content?: string | null }).encrypted_content ? [item] : [];
  const { id: _id, ...rest } = item as InputItem & { id?: string };
  return [rest as InputItem];
}
