// A chat completion as the door answers it, with the text a call without usage is charged for.
import type { ChatCompletion } from '../../core/openai/chat-response';
import type { DoorAnswer } from '../../core/pipeline/serve';

export function chatAnswer(completion: ChatCompletion): DoorAnswer {
  return { body: completion, usage: completion.usage, text: completionText(completion) };
}

export function completionText(completion: ChatCompletion): string {
  return completion.choices.map((c) => c.message.content ?? JSON.stringify(c.message.tool_calls ?? '')).join('');
}
