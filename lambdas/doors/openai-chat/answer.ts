// A chat completion as the door answers it, with the text a call without usage is charged for. An
// OpenAI-compatible upstream may leave out what OpenAI's API document requires (`logprobs`, `message.refusal`):
// the answer carries them all the same, as null.
import type { ChatCompletion } from '../../core/openai/chat-response';
import type { DoorAnswer } from '../../core/pipeline/serve';

export function chatAnswer(completion: ChatCompletion): DoorAnswer {
  return { body: conforming(completion), usage: completion.usage, text: completionText(completion) };
}

function conforming(completion: ChatCompletion): ChatCompletion {
  for (const choice of completion.choices) {
    choice.logprobs ??= null;
    choice.message.refusal ??= null;
    choice.message.content ??= null;
  }
  return completion;
}

export function completionText(completion: ChatCompletion): string {
  return completion.choices.map((c) => c.message.content ?? JSON.stringify(c.message.tool_calls ?? '')).join('');
}
