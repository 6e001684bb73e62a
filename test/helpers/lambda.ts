// What a Lambda handler gets and prints, for tests that run one the way the runtime does.
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';

export function lambdaContext(awsRequestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'switchboard-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:switchboard-test',
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: 'test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** what the Powertools logger and metrics print (stdout) and warn (stderr) while `run` runs */
export async function captured(run: () => Promise<unknown>): Promise<{ lines: Array<Record<string, unknown>>; stderr: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    await run();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const lines = [...out, ...err].flatMap((c) => c.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, stderr: err };
}
