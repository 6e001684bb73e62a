// `npm start`: the gateway on this machine — embedded dynalite and S3 (s3rver), the config file, the mock provider and any
// provider whose key is in the environment.
import './node-version-warning';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseGatewayConfig } from '../core/config/load';
import { startLocalGateway } from './server';

async function main(): Promise<void> {
  const configPath = resolve(process.env.GATEWAY_CONFIG ?? 'gateway.config.json');
  const port = Number(process.env.PORT ?? 8080);
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'; // EMF lines are for CloudWatch, not a terminal

  let config;
  try {
    config = parseGatewayConfig(readFileSync(configPath, 'utf8'), configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw new Error(`cannot read the gateway config at ${configPath} (set GATEWAY_CONFIG): ${(err as Error).message}`);
  }

  const healthCheckIntervalMs = Number(process.env.HEALTH_CHECK_INTERVAL_MS ?? 60_000);
  const sweepIntervalMs = Number(process.env.SWEEP_INTERVAL_MS ?? 60_000);
  const groupCommitMs = process.env.GROUP_COMMIT_MS === undefined ? undefined : Number(process.env.GROUP_COMMIT_MS);
  if (groupCommitMs !== undefined && !(Number.isInteger(groupCommitMs) && groupCommitMs >= 0 && groupCommitMs <= 1_000)) {
    console.error(`GROUP_COMMIT_MS must be a whole number of milliseconds from 0 to 1000, not "${process.env.GROUP_COMMIT_MS}"`);
    process.exit(1);
  }
  const gateway = await startLocalGateway({ config, port, healthCheckIntervalMs, sweepIntervalMs, groupCommitMs });
  // the first probe now, so /health reports provider health from the start
  if (healthCheckIntervalMs > 0) void gateway.checkHealth().catch(() => undefined);
  const s3Endpoint = await gateway.s3Endpoint(); // npm start runs the embedded S3 server from the start
  const keyed = await Promise.all([...gateway.runtime.deps.providers.values()].map(async (p) => `${p.id}${(await p.isConfigured()) ? '' : ' (no key: skipped)'}`));
  const key = config.tenants.find((t) => t.apiKeys?.length)?.apiKeys?.[0] ?? '<your key>';
  const model = config.models[0]?.name ?? `${config.providers[0]!.id}/<model>`;
  // one machine-readable line first (PORT=0 picks a free port; scripts and tests read it from here)
  console.log(JSON.stringify({ event: 'listening', url: gateway.url, port: gateway.port, dynamodbEndpoint: gateway.dynamodbEndpoint, s3Endpoint, pid: process.pid }));
  console.log(
    [
      '',
      `Switchboard is listening on ${gateway.url}  (OpenAI base URL: ${gateway.url}/v1)`,
      `  config:    ${configPath}`,
      `  state:     ${process.env.DYNAMODB_ENDPOINT ? `DynamoDB at ${gateway.dynamodbEndpoint}` : `embedded dynalite at ${gateway.dynamodbEndpoint} (in memory)`}`,
      `  objects:   ${process.env.S3_ENDPOINT ? `S3 at ${s3Endpoint}` : `embedded S3 (s3rver) at ${s3Endpoint} (temp dir, removed at exit)`}`,
      `  providers: ${keyed.join(', ')}`,
      `  models:    ${config.models.map((m) => m.name).join(', ')}`,
      `  operator:  npm run switchboard -- --endpoint ${gateway.dynamodbEndpoint} tenants list`,
      '',
      'Try it:',
      `  curl ${gateway.url}/v1/chat/completions -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
      `    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello, Switchboard!"}]}'`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await gateway.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(`Switchboard failed to start: ${(err as Error).message}`);
  process.exit(1);
});
