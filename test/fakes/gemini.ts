// A fake Gemini (Generative Language API) on loopback: it checks each request as the real API does (key in
// x-goog-api-key, answering a bad one with 400 API_KEY_INVALID; roles user/model; one functionResponse per
// functionCall) and answers as the test scripts it, in Gemini's JSON and SSE (CRLF-framed) formats.
import type http from 'node:http';
import { startCheckedFake, type FakeProvider } from './anthropic';
import { sendJson } from './upstream';

interface Part {
  text?: string;
  functionCall?: unknown;
  functionResponse?: unknown;
}

export function sendGeminiError(res: http.ServerResponse, code: number, status: string, message: string, details: unknown[] = []): void {
  sendJson(res, code, { error: { code, message, status, details } });
}

export function startFakeGemini(apiKey: string): Promise<FakeProvider> {
  return startCheckedFake(
    (req) => {
      if (req.headers['x-goog-api-key'] !== apiKey) {
        return { status: 400, type: 'API_KEY_INVALID', message: 'API key not valid. Please pass a valid API key.' };
      }
      if (req.method === 'GET' && req.path.startsWith('/v1beta/models?')) return undefined; // the models list, as scripted
      if (!/^\/v1beta\/models\/[^/:]+:(generateContent|streamGenerateContent\?alt=sse|embedContent|batchEmbedContents)$/.test(req.path)) {
        return { status: 404, type: 'NOT_FOUND', message: `no route ${req.path}` };
      }
      const body = req.body as { contents?: Array<{ role?: string; parts?: Part[] }> };
      if (!req.path.includes('Content?') && !req.path.endsWith(':generateContent')) return undefined; // embeddings
      if (!Array.isArray(body?.contents) || body.contents.length === 0) return invalid('* GenerateContentRequest.contents: contents is not specified');
      let calls = 0;
      for (const content of body.contents) {
        if (content.role !== 'user' && content.role !== 'model') return invalid('Please use a valid role: user, model.');
        if (!content.parts?.length) return invalid('* GenerateContentRequest.contents.parts: contents.parts must not be empty.');
        const responses = content.parts.filter((p) => p.functionResponse).length;
        if (responses && responses !== calls) {
          return invalid('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
        }
        calls = content.parts.filter((p) => p.functionCall).length;
      }
      return undefined;
    },
    (res, p) =>
      p.type === 'API_KEY_INVALID'
        ? sendGeminiError(res, 400, 'INVALID_ARGUMENT', p.message, [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }])
        : sendGeminiError(res, p.status, p.status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', p.message),
  );
}

function invalid(message: string) {
  return { status: 400, type: 'INVALID_ARGUMENT', message };
}

export interface GeminiUsageFields {
  promptTokenCount: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export function geminiAnswer(parts: unknown[], finishReason: string | undefined, usage?: GeminiUsageFields) {
  return {
    candidates: [{ content: { role: 'model', parts }, ...(finishReason ? { finishReason } : {}), index: 0 }],
    ...(usage ? { usageMetadata: usage } : {}),
    modelVersion: 'gemini-2.5-flash',
    responseId: 'resp-fake-01',
  };
}

/** Gemini's SSE framing: `data: {json}` and a blank line, CRLF line ends. */
export function geminiFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\r\n\r\n`;
}
