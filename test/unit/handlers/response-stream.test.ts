// The gateway's Lambda entry through middy's response streaming, run as the Lambda runtime (or the local
// server's shim) runs it: event, response stream, context.
import { Writable } from 'node:stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, PowertoolsMetricsAdapter } from '../../../lambdas/adapters/observability/powertools';
import type { Gateway } from '../../../lambdas/core/gateway';
import type { GatewayRequest } from '../../../lambdas/core/http';
import { gatewayHandler } from '../../../lambdas/handlers/response-stream';
import { installLambdaShim, PRELUDE_DELIMITER } from '../../../lambdas/local/lambda-shim';
import { captured, lambdaContext } from '../../helpers/lambda';
import { MemoryLogger } from '../../helpers/logs';

const clock = { now: () => Date.now() };

function event(path = '/v1/chat/completions'): APIGatewayProxyEvent {
  return { httpMethod: 'POST', path, headers: {}, multiValueHeaders: {}, body: '{}', isBase64Encoded: false, requestContext: {} } as unknown as APIGatewayProxyEvent;
}

/** a response stream that records what arrived and when it finished, in one shared order of events */
class RecordingStream extends Writable {
  readonly chunks: Buffer[] = [];
  constructor(
    private readonly events: string[],
    private readonly onChunk: (stream: RecordingStream, text: string) => void = () => {},
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    if (chunk.length) this.onChunk(this, chunk.toString('utf8'));
    callback();
  }
  override _final(callback: () => void): void {
    this.events.push('last byte');
    callback();
  }
  get text(): { prelude: Record<string, unknown>; body: string } {
    const all = Buffer.concat(this.chunks);
    const end = all.indexOf(PRELUDE_DELIMITER);
    return { prelude: JSON.parse(all.subarray(0, end).toString('utf8')) as Record<string, unknown>, body: all.subarray(end + PRELUDE_DELIMITER.length).toString('utf8') };
  }
}

describe('gatewayHandler (middy, streamifyResponse)', () => {
  beforeAll(() => installLambdaShim());

  it('sends the status and headers as the prelude, then the whole body, and runs the after-response work after the last byte', async () => {
    // Prepare
    const events: string[] = [];
    const gateway: Gateway = async () => ({
      status: 201,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req_1' },
      body: '{"ok":true}',
      after: async () => void events.push('after'),
    });
    const stream = new RecordingStream(events);

    // Act
    await gatewayHandler(gateway, clock, { logger: new MemoryLogger() })(event(), stream, lambdaContext('inv-1'));

    // Assess
    expect(stream.text).toEqual({ prelude: { statusCode: 201, headers: { 'content-type': 'application/json', 'x-request-id': 'req_1' } }, body: '{"ok":true}' });
    expect(events).toEqual(['last byte', 'after']);
  });

  it('streams frames as they come, and charges (after) only once the client has [DONE]', async () => {
    // Prepare
    const events: string[] = [];
    const gateway: Gateway = async () => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        for (const word of ['a', 'b', 'c']) yield `data: ${word}\n\n`;
        yield 'data: [DONE]\n\n';
      })(),
      after: async () => void events.push('after'),
    });
    const stream = new RecordingStream(events, (_s, text) => events.push(text.trim()));

    // Act
    await gatewayHandler(gateway, clock, { logger: new MemoryLogger() })(event(), stream, lambdaContext('inv-1'));

    // Assess
    expect(stream.text.body).toBe('data: a\n\ndata: b\n\ndata: c\n\ndata: [DONE]\n\n');
    expect(events.slice(-2)).toEqual(['last byte', 'after']);
  });

  it('aborts the request at once when the client leaves mid-stream, and settles (after) once the frames have stopped', async () => {
    // Prepare: the second frame waits on an upstream read that only ends when the request is aborted
    const events: string[] = [];
    let request: GatewayRequest | undefined;
    const gateway: Gateway = async (req) => {
      request = req;
      return {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: (async function* () {
          try {
            yield 'data: first\n\n';
            await new Promise((_resolve, reject) => req.signal!.addEventListener('abort', () => reject(req.signal!.reason as Error)));
            yield 'data: never\n\n';
          } catch {
            events.push('upstream read aborted');
          } finally {
            events.push('frames closed');
          }
        })(),
        after: async () => void events.push('after'),
      };
    };
    // the client leaves as soon as the first frame reaches it
    const stream = new RecordingStream(events, (s, text) => text.includes('first') && setImmediate(() => s.destroy()));

    // Act
    await gatewayHandler(gateway, clock, { logger: new MemoryLogger() })(event(), stream, lambdaContext('inv-1')).catch(() => undefined);

    // Assess
    expect(request!.signal!.aborted).toBe(true);
    expect((request!.signal!.reason as Error).message).toBe('client disconnected');
    expect(events).toEqual(['upstream read aborted', 'frames closed', 'after']);
  });

  it('ends the invocation and runs the after-response work when the client left before the whole body was ready', async () => {
    // Prepare: the response stream closes while the gateway is still at work
    const events: string[] = [];
    const stream = new RecordingStream(events);
    const gateway: Gateway = async () => {
      stream.destroy();
      await new Promise((resolve) => setImmediate(resolve));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}', after: async () => void events.push('after') };
    };

    // Act
    await gatewayHandler(gateway, clock, { logger: new MemoryLogger() })(event(), stream, lambdaContext('inv-1')).catch(() => undefined);

    // Assess
    expect(events).toEqual(['after']);
  });

  it('ends the invocation and runs the after-response work when the response stream closes before its last byte is out', async () => {
    // Prepare: a response stream whose transport never confirms the end, then goes away
    const events: string[] = [];
    class StalledStream extends RecordingStream {
      override _final(): void {
        events.push('end asked');
        setImmediate(() => this.destroy());
      }
    }
    const gateway: Gateway = async () => ({ status: 200, headers: {}, body: '{"ok":true}', after: async () => void events.push('after') });

    // Act
    await gatewayHandler(gateway, clock, { logger: new MemoryLogger() })(event(), new StalledStream(events), lambdaContext('inv-1')).catch(() => undefined);

    // Assess
    expect(events).toEqual(['end asked', 'after']);
  });

  it('sends a whole body longer than one chunk in full, and ends the invocation when the client leaves half-way through one', async () => {
    // Prepare
    const long = JSON.stringify({ text: 'x'.repeat(100_000) });
    const whole = new RecordingStream([]);
    const events: string[] = [];
    // a transport that takes the prelude and one piece of the body, then goes away with the rest unsent
    class LeavingStream extends RecordingStream {
      #writes = 0;
      override _write(chunk: Buffer, enc: BufferEncoding, callback: () => void): void {
        this.#writes += 1;
        if (this.#writes < 3) super._write(chunk, enc, callback);
        else setImmediate(() => this.destroy());
      }
    }
    const gateway = (name: string): Gateway => async () => ({ status: 200, headers: {}, body: long, after: async () => void events.push(`after ${name}`) });

    // Act
    await gatewayHandler(gateway('whole'), clock, { logger: new MemoryLogger() })(event(), whole, lambdaContext('inv-1'));
    await gatewayHandler(gateway('left'), clock, { logger: new MemoryLogger() })(event(), new LeavingStream([]), lambdaContext('inv-2')).catch(() => undefined);

    // Assess
    expect(whole.text.body).toBe(long);
    expect(events).toEqual(['after whole', 'after left']);
  });

  describe('with the Powertools logger and metrics', () => {
    beforeEach(() => vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true'));
    afterEach(() => vi.unstubAllEnvs());

    it("publishes the request's metrics once the invocation is over, those recorded before the answer with those after it", async () => {
      // Prepare
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
      const logger = createLogger();
      const metrics = new PowertoolsMetricsAdapter();
      const events: string[] = [];
      const gateway: Gateway = async () => {
        metrics.add('UpstreamLatency', 12, 'Milliseconds', { Provider: 'openai' });
        return { status: 200, headers: {}, body: 'ok', after: async () => metrics.add('CostUsd', 0.5, 'None', { Provider: 'openai' }) };
      };
      const stream = new RecordingStream(events);

      // Act
      const { lines } = await captured(() => gatewayHandler(gateway, clock, { logger, metrics })(event(), stream, lambdaContext('inv-1')));

      // Assess: one blob for the dimension set, with both points (middy's own `after` runs before the body streams)
      const blobs = lines.filter((l) => '_aws' in l);
      expect(blobs).toHaveLength(1);
      expect(blobs[0]).toMatchObject({ Provider: 'openai', UpstreamLatency: 12, CostUsd: 0.5 });
    });

    it("puts the invocation's request id on the lines the gateway logs, after-response lines included", async () => {
      // Prepare
      const logger = createLogger();
      const gateway: Gateway = async () => {
        logger.info('routing');
        return { status: 200, headers: {}, body: 'ok', after: async () => logger.info('request') };
      };

      // Act
      const { lines } = await captured(() => gatewayHandler(gateway, clock, { logger })(event(), new RecordingStream([]), lambdaContext('inv-7')));

      // Assess
      expect(lines.map((l) => [l.message, l.function_request_id])).toEqual([
        ['routing', 'inv-7'],
        ['request', 'inv-7'],
      ]);
    });
  });
});
