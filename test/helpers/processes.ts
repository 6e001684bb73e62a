// Real gateway processes (`lambdas/local/main.ts`, what `npm start` runs) on free ports, sharing one DynamoDB
// endpoint the way Lambda instances share a table. Each prints a JSON `listening` line first.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  pid: number;
  /** everything it printed, stdout and stderr */
  output: string[];
  /** SIGKILL: no clean-up of any kind, as when an instance dies */
  kill(): Promise<void>;
  /** SIGTERM, and wait for it to exit */
  stop(): Promise<void>;
}

export async function spawnGateway(opts: { configPath: string; dynamodbEndpoint: string; env?: Record<string, string> }): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      GATEWAY_CONFIG: opts.configPath,
      DYNAMODB_ENDPOINT: opts.dynamodbEndpoint,
      SWEEP_INTERVAL_MS: '0',
      HEALTH_CHECK_INTERVAL_MS: '0',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output.join('\n')}`)), 45_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('{"event":"listening"')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    void exited.then(() => reject(new Error(`gateway exited before listening:\n${output.join('\n')}`)));
  });
  const signal = async (child: ChildProcess, name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { url, pid: child.pid!, output, kill: () => signal(child, 'SIGKILL'), stop: () => signal(child, 'SIGTERM') };
}
