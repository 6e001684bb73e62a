// The Lambda Node.js runtime's response-streaming globals, for running the same handler outside Lambda.
// HttpResponseStream.from writes what the runtime writes: a JSON metadata prelude and 8 NUL bytes.
import type { Writable } from 'node:stream';

const DELIMITER = Buffer.alloc(8);

/**
 * A response stream of ours that takes the metadata as it is (the local server's): `from` hands it over
 * instead of encoding it into a prelude the stream would only parse back.
 */
export const TAKES_METADATA = Symbol.for('switchboard.local.takesMetadata');

interface TakesMetadata {
  [TAKES_METADATA](metadata: awslambda.HttpResponseMetadata): void;
}

export function installLambdaShim(): void {
  // other libraries (the AWS SDK's invoke store) may already have put an `awslambda` object there
  const global = globalThis as { awslambda?: Record<string, unknown> };
  const target = (global.awslambda ??= {});
  target.streamifyResponse ??= <T>(handler: T) => handler;
  target.HttpResponseStream ??= {
    from(stream: Writable, metadata: awslambda.HttpResponseMetadata): Writable {
      if (TAKES_METADATA in stream) (stream as Writable & TakesMetadata)[TAKES_METADATA](metadata);
      else stream.write(Buffer.concat([Buffer.from(JSON.stringify(metadata)), DELIMITER]));
      return stream;
    },
  };
}

export const PRELUDE_DELIMITER = DELIMITER;
