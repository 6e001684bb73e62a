// The Lambda Node.js runtime's response-streaming globals, for running the same handler outside Lambda.
// HttpResponseStream.from writes what the runtime writes: a JSON metadata prelude and 8 NUL bytes.
import type { Writable } from 'node:stream';

const DELIMITER = Buffer.alloc(8);

export function installLambdaShim(): void {
  // other libraries (the AWS SDK's invoke store) may already have put an `awslambda` object there
  const global = globalThis as { awslambda?: Record<string, unknown> };
  const target = (global.awslambda ??= {});
  target.streamifyResponse ??= <T>(handler: T) => handler;
  target.HttpResponseStream ??= {
    from(stream: Writable, metadata: awslambda.HttpResponseMetadata): Writable {
      stream.write(Buffer.concat([Buffer.from(JSON.stringify(metadata)), DELIMITER]));
      return stream;
    },
  };
}

export const PRELUDE_DELIMITER = DELIMITER;
