// Run in a fresh `node` (bundled to bench/.build/cold-driver.mjs): load the gateway Lambda bundle, answer one
// API Gateway event through a Lambda-style response stream, print when each step finished, and exit.
// Usage: node cold-driver.mjs <bundle.mjs> health|chat
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { installLambdaShim, PRELUDE_DELIMITER } from '../lambdas/local/lambda-shim';
import { RESULT_PREFIX, type ColdResult } from './cold-protocol';
import { CHAT_BODY, TENANT_KEY } from './workload';

class CollectingStream extends Writable {
  readonly chunks: Buffer[] = [];
  finishedAt = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    callback();
  }
  override _final(callback: () => void): void {
    this.finishedAt = performance.now();
    callback();
  }
}

function event(route: string): APIGatewayProxyEvent {
  const chat = route === 'chat';
  const headers: Record<string, string> = chat ? { Authorization: `Bearer ${TENANT_KEY}`, 'Content-Type': 'application/json' } : {};
  return {
    resource: '/{proxy+}',
    path: chat ? '/v1/chat/completions' : '/health',
    httpMethod: chat ? 'POST' : 'GET',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: chat ? CHAT_BODY.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      authorizer: null,
      httpMethod: chat ? 'POST' : 'GET',
      identity: { sourceIp: '127.0.0.1', userAgent: 'bench' },
      path: chat ? '/prod/v1/chat/completions' : '/prod/health',
      protocol: 'HTTP/1.1',
      requestId: 'bench-cold',
      requestTimeEpoch: Date.now(),
      resourceId: 'bench',
      resourcePath: '/{proxy+}',
      stage: 'prod',
    },
  } as unknown as APIGatewayProxyEvent;
}

const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'switchboard-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:switchboard-bench',
  memoryLimitInMB: '1024',
  awsRequestId: 'bench-cold',
  logGroupName: 'bench',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} as Context;

async function main(): Promise<void> {
  const driverStartMs = performance.now();
  const [bundle, route = 'health'] = process.argv.slice(2);
  if (!bundle) throw new Error('usage: cold-driver.mjs <bundle.mjs> health|chat');
  // in Lambda the runtime provides these globals before the handler module loads
  installLambdaShim();
  const mod = (await import(pathToFileURL(bundle).href)) as { handler: awslambda.StreamingHandler<APIGatewayProxyEvent> };
  const loadedMs = performance.now();
  const stream = new CollectingStream();
  await mod.handler(event(route), stream, context);
  const handlerDoneMs = performance.now();
  const all = Buffer.concat(stream.chunks);
  const end = all.indexOf(PRELUDE_DELIMITER);
  const status = end < 0 ? 0 : (JSON.parse(all.subarray(0, end).toString('utf8')) as { statusCode: number }).statusCode;
  const result: ColdResult = {
    driverStartMs,
    loadedMs,
    answeredMs: stream.finishedAt || handlerDoneMs,
    handlerDoneMs,
    status,
    bodyBytes: end < 0 ? all.length : all.length - end - PRELUDE_DELIMITER.length,
  };
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
