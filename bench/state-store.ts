// The bench's DynamoDB-compatible store: dynalite in a process of its own (npm start embeds it in the
// gateway's process), so the CPU time the bench reads from the Switchboard process is the gateway's alone —
// in AWS this work is DynamoDB's. Usage: state-store.ts --port=N
import { parseArgs } from 'node:util';
import { startEmbeddedDynamo } from '../lambdas/local/embedded-dynamodb';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const store = await startEmbeddedDynamo({ port: Number(values.port ?? 0) });
console.log(JSON.stringify({ event: 'listening', endpoint: store.endpoint }));
const stop = () => void store.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
