// The Lambda Node.js runtime's response-streaming globals (provided by the runtime, polyfilled locally by
// lambdas/local/lambda-shim.ts).
import type { Context } from 'aws-lambda';
import type { Writable } from 'node:stream';

declare global {
  namespace awslambda {
    type StreamingHandler<E = unknown> = (event: E, responseStream: Writable, context: Context) => Promise<void>;
    function streamifyResponse<E>(handler: StreamingHandler<E>): StreamingHandler<E>;
    interface HttpResponseMetadata {
      statusCode: number;
      headers?: Record<string, string>;
      multiValueHeaders?: Record<string, string[]>;
      cookies?: string[];
    }
    const HttpResponseStream: {
      /** writes the metadata prelude and its 8-NUL delimiter; what follows is the body */
      from(stream: Writable, metadata: HttpResponseMetadata): Writable;
    };
  }
}

export {};
