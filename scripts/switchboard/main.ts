// `npm run switchboard -- …`: the operator CLI (commands.ts) on this machine's AWS credentials or a local endpoint.
import '../../lambdas/local/node-version-warning';
import { apiGatewayClient } from '../../lambdas/adapters/apigateway/usage-plan-keys';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb/client';
import { runCli } from './commands';

const code = await runCli(
  process.argv.slice(2),
  { out: (line) => console.log(line), err: (line) => console.error(line) },
  { dynamo: (opts) => createDynamoClient(opts), apiGateway: apiGatewayClient, env: process.env, now: () => Date.now() },
);
process.exitCode = code;
