// GatewayResponse → the Lambda response stream (metadata prelude, then the body as it is produced), then
// the after-response work, which runs once the client has its last byte and before the invocation ends.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Gateway } from '../core/gateway';
import type { Clock, Logger } from '../core/ports';
import { toGatewayRequest } from './api-gateway-event';

export function streamingHandler(gateway: Gateway, clock: Clock, logger: Logger): awslambda.StreamingHandler<APIGatewayProxyEvent> {
  return async (event, responseStream, _context: Context) => {
    // a client that goes away aborts the upstream call instead of letting it run (and bill) to the end
    const client = new AbortController();
    const gone = () => {
      if (!responseStream.writableFinished) client.abort(new Error('client disconnected'));
    };
    responseStream.once('close', gone);
    responseStream.once('error', gone);

    const response = await gateway(toGatewayRequest(event, clock.now(), client.signal));
    try {
      const stream = awslambda.HttpResponseStream.from(responseStream, { statusCode: response.status, headers: response.headers });
      if (typeof response.body === 'string') {
        stream.write(response.body);
      } else {
        for await (const frame of response.body) {
          if (client.signal.aborted) break;
          if (!stream.write(frame)) await drained(stream, client.signal);
        }
      }
      if (!client.signal.aborted) {
        stream.end();
        await finished(stream);
      }
    } catch (err) {
      logger.warn('writing the response failed', { requestId: response.headers['x-request-id'], error: (err as Error).message });
      // a body that never started still holds its upstream call open: close it
      if (typeof response.body !== 'string') await (response.body as AsyncGenerator<string>).return?.(undefined);
    } finally {
      responseStream.off('close', gone);
      responseStream.off('error', gone);
      await response.after?.();
    }
  };
}

async function drained(stream: Writable, signal: AbortSignal): Promise<void> {
  try {
    await once(stream, 'drain', { signal });
  } catch {
    // the client left while we waited; the caller checks the signal
  }
}

function finished(stream: Writable): Promise<void> {
  if (stream.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('finish', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}
