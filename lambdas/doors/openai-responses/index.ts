// The OpenAI Responses door (POST /v1/responses, and the stored turns under /v1/responses/{id}): OpenAI's own
// API gets the request natively, every other target is served through the chat core and its answer written
// back as a response. The turn is kept per tenant (store, previous_response_id) before the client has it.
import type { DoorRoutes } from '../../core/gateway';
import type { Door } from '../../core/pipeline/serve';
import { withOutputCap } from '../openai-chat/request';
import { coreUsage, nativeResponse, responseAnswer, responseFromChat } from './answer';
import { nativeBody } from './native';
import { parseResponsesRequest, type ResponsesDoorRequest } from './request';
import { cancelResponse, deleteResponse, getResponse, listInputItems } from './stored';
import { chatEvents, nativeEvents, responsesFailure } from './stream';

export const openaiResponsesDoor: Door<ResponsesDoorRequest> = {
  route: 'responses',
  parse: parseResponsesRequest,
  async complete(provider, target, req, cap, opts) {
    if (provider.responses) {
      const upstream = await provider.responses(nativeBody(req, target.model, cap, false), opts);
      return responseAnswer(nativeResponse(upstream, req), req, upstream.usage ? coreUsage(upstream.usage) : undefined);
    }
    const completion = await provider.chat(withOutputCap(req.chat, cap), target.model, opts);
    return responseAnswer(responseFromChat(completion, req, cap), req, completion.usage);
  },
  async stream(provider, target, req, cap, opts) {
    if (provider.responsesStream) return nativeEvents(await provider.responsesStream(nativeBody(req, target.model, cap, true), opts), req, target.model, cap);
    return chatEvents(await provider.chatStream(withOutputCap(req.chat, cap), target.model, opts), req, target.model, cap);
  },
  // response.completed (or .incomplete) is the stream's last event: nothing follows it
  closing: () => [],
  failure: responsesFailure,
};

export const RESPONSES_ROUTES: DoorRoutes = {
  '/v1/responses': { POST: openaiResponsesDoor },
  '/v1/responses/{id}': { GET: getResponse, DELETE: deleteResponse },
  '/v1/responses/{id}/input_items': { GET: listInputItems },
  '/v1/responses/{id}/cancel': { POST: cancelResponse },
};
