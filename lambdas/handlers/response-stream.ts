// The gateway's Lambda entry through middy's response streaming: the GatewayResponse becomes the metadata
// prelude and a body middy pipes into the Lambda response stream; the after-response work runs once the
// client has its last byte and before the invocation ends (middy's requestEnd hook, which it awaits).
import { Readable, type Writable } from 'node:stream';
import middy from '@middy/core';
import { executionModeStreamifyResponse } from '@middy/core/StreamifyResponse';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Gateway } from '../core/gateway';
import type { Clock } from '../core/ports';
import { toGatewayRequest } from './api-gateway-event';
import { lambdaContextMiddleware, metricsMiddleware, type Observability } from './middleware';

/** what the handler gives middy: its prelude (status, headers) and the body to stream */
interface StreamedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string | Readable;
}

/**
 * The longest whole body middy writes as one string (its chunk size): a longer one it writes in pieces,
 * waiting for 'drain' in between, which a stream closed meanwhile would never emit.
 */
const MAX_STRING_BODY = 16 * 1024;

export function gatewayHandler(gateway: Gateway, clock: Clock, { logger, metrics }: Observability): awslambda.StreamingHandler<APIGatewayProxyEvent> {
  // each response's after-response work, until middy's requestEnd picks it up
  const pending = new WeakMap<StreamedResponse, { after?: () => Promise<void>; body?: FrameStream }>();
  // each invocation's response stream, which middy does not pass its handler: whether it is still open
  const responseStreams = new WeakMap<APIGatewayProxyEvent, Writable>();
  // Middy runs `after` middlewares before it streams the body, but a streamed answer's metrics are complete
  // only after its last byte: logMetrics publishes at requestEnd, when the invocation is over.
  const published = metricsMiddleware(metrics);
  const handler = middy<APIGatewayProxyEvent, StreamedResponse>({
    executionMode: executionModeStreamifyResponse,
    // the gateway's own deadline answers 504 well before the function's timeout: no early-timeout timer per call
    timeoutEarlyInMillis: 0,
    requestEnd: async (request) => {
      const response = request.response && pending.get(request.response);
      if (response) {
        // a stream cut short: its frames must have settled (usage read, error noted) before it is charged
        await response.body?.settled;
        await response.after?.();
      }
      await published?.after?.(request);
    },
  })
    .use([...lambdaContextMiddleware(logger), ...(published ? [{ before: published.before, onError: published.onError }] : [])])
    .handler(async (event) => {
      // a client that goes away aborts the upstream call instead of letting it run (and bill) to the end
      const client = new AbortController();
      const response = await gateway(toGatewayRequest(event, clock.now(), client.signal));
      const body = typeof response.body === 'string' ? undefined : new FrameStream(response.body, () => client.abort(new Error('client disconnected')));
      const streamed: StreamedResponse = { statusCode: response.status, headers: response.headers, body: body ?? wholeBody(response.body as string, responseStreams.get(event)) };
      pending.set(streamed, { after: response.after, body });
      return streamed;
    }) as unknown as awslambda.StreamingHandler<APIGatewayProxyEvent>;
  // middy's streaming mode returns what awslambda.streamifyResponse returned: the runtime's streaming signature
  return awslambda.streamifyResponse<APIGatewayProxyEvent>((event, responseStream, context) => {
    responseStreams.set(event, responseStream);
    return handler(event, responseStream, context);
  });
}

/**
 * A whole body as middy should get it. Middy writes a string and ends the response stream at once (no pipe,
 * no AbortController: the cheap way), but ending a stream that is already closed would wait forever, and the
 * after-response work with it; a stream it pipes instead, and a closed response stream fails the pipe. So: a
 * string while the response stream is open as the handler returns (middy ends it before any I/O could close
 * it; a close after that ends the wait: a Writable calls back, the runtime's stream errors), a stream otherwise.
 */
function wholeBody(text: string, responseStream: Writable | undefined): string | Readable {
  const open = responseStream !== undefined && !responseStream.destroyed && !responseStream.writableEnded;
  return open && text.length <= MAX_STRING_BODY ? text : Readable.from([text]);
}

/**
 * SSE frames as a Readable for middy to pipe. When it is destroyed before its end (the response stream
 * closed: the client left), it aborts the request at once: the frame generator itself could only stop
 * after the upstream read it is waiting on.
 */
class FrameStream extends Readable {
  private readonly frames: AsyncIterator<string>;
  private markSettled!: () => void;
  /** the frame generator has finished: run to its end, failed, or closed */
  readonly settled = new Promise<void>((resolve) => (this.markSettled = resolve));

  constructor(
    frames: AsyncIterable<string>,
    private readonly onGone: () => void,
  ) {
    super();
    this.frames = frames[Symbol.asyncIterator]();
  }

  override _read(): void {
    this.frames.next().then(
      (next) => {
        if (next.done) {
          this.markSettled();
          this.push(null);
        } else {
          this.push(next.value);
        }
      },
      (err: unknown) => {
        this.markSettled();
        this.destroy(err as Error);
      },
    );
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.readableEnded) this.onGone();
    // closes a body that never started (its upstream call still open), or one the client left mid-way
    void Promise.resolve(this.frames.return?.())
      .catch(() => undefined)
      .finally(() => this.markSettled());
    callback(err);
  }
}
