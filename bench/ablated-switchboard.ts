// A diagnostic Switchboard for finding hot spots: `npm start`'s local server with named parts replaced by
// no-ops, so a bench run shows what each part costs (npm run bench -- --ablate=ledger,logs). It is not the
// product: its numbers are never to be quoted against the DESIGN targets.
//   ledger  the per-request ledger entry (one PutItem after each response) is skipped; budget settlement stays
//   settle  the budget settlement writes (day and month, one UpdateItem each after each response) are skipped,
//           as if they applied; reservations still come from leases
//   logs    the per-request log lines are not written
import { readFileSync } from 'node:fs';
import { parseGatewayConfig } from '../lambdas/core/config/load';
import { DynamoCostLedger } from '../lambdas/adapters/dynamodb/cost-ledger';
import type { Logger } from '../lambdas/core/ports';
import { startLocalGateway } from '../lambdas/local/server';
import { ABLATABLE } from './options';

async function main(): Promise<void> {
  const parts = new Set((process.env.BENCH_ABLATE ?? '').split(',').filter((p) => ABLATABLE.includes(p)));
  const configPath = process.env.GATEWAY_CONFIG ?? 'gateway.config.json';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'; // as lambdas/local/main.ts does
  const config = parseGatewayConfig(readFileSync(configPath, 'utf8'), configPath);
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  // the ledger adapter is bound into admission as the gateway starts: skip its entry writes at the class
  if (parts.has('ledger')) DynamoCostLedger.prototype.putEntry = async () => {};
  if (parts.has('settle')) DynamoCostLedger.prototype.flush = async () => ({ applied: true, costNanoUsd: 0 });
  const gateway = await startLocalGateway({ config, port: Number(process.env.PORT ?? 8080), logger: parts.has('logs') ? silent : undefined });
  console.log(`ablated Switchboard on ${gateway.url}, without: ${[...parts].join(', ') || 'nothing'}`);
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
