// Reads an OpenAI SDK chat stream the way an application does: the text, the last finish reason, the usage.
import type OpenAI from 'openai';

export interface ReadStream {
  text: string;
  finish: string | null | undefined;
  usage: OpenAI.CompletionUsage | null | undefined;
  chunks: OpenAI.ChatCompletionChunk[];
}

export async function readChatStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<ReadStream> {
  const read: ReadStream = { text: '', finish: undefined, usage: undefined, chunks: [] };
  for await (const chunk of stream) {
    read.chunks.push(chunk);
    read.text += chunk.choices[0]?.delta.content ?? '';
    read.finish = chunk.choices[0]?.finish_reason ?? read.finish;
    if (chunk.usage) read.usage = chunk.usage;
  }
  return read;
}
