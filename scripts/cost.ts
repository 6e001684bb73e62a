// `npm run cost [-- -c key=value …]`: what a deployment costs, from its synthesized templates: the idle month
// per region (with the arithmetic) and a million requests at each memory size. Without context it prints
// one region and the issue's two regions with failover, the tables the README and docs/deploy.md carry.
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { DEFAULT_REQUEST, idleCost, markdownTable, perMillionRequests, stackTemplates } from '../lib/cost/estimate';
import { loadDeployedGatewayConfig } from '../lib/config/gateway-config';

const TWO_REGIONS = {
  regions: 'us-east-1,eu-west-1',
  domainName: 'ai.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  hostedZoneName: 'example.com',
  alarmEmails: 'ops@example.com',
};

function contextFromArgs(argv: string[]): Record<string, string> | undefined {
  const pairs = argv.flatMap((a, i) => (a === '-c' || a === '--context' ? [argv[i + 1]!] : []));
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

function report(title: string, context: Record<string, string>): void {
  // synthesized without CDK_DEFAULT_REGION: one region is environment-agnostic, priced as us-east-1
  delete process.env.CDK_DEFAULT_REGION;
  const sb = buildApp(new App({ context: { '@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages': true, ...context } }));
  const assembly = sb.app.synth();
  const templates = stackTemplates([sb.state, ...sb.services], assembly);
  const config = loadDeployedGatewayConfig(sb.settings.gatewayConfig, sb.names).config;
  const idle = idleCost(templates, config);
  console.log(`## ${title}\n`);
  for (const r of idle.regions) console.log(`${markdownTable(r.lines, { label: `idle, ${r.region || 'one region'}`, usd: r.usd })}\n`);
  if (idle.shared.length) console.log(`${markdownTable(idle.shared, { label: 'shared', usd: idle.shared.reduce((a, l) => a + l.usd, 0) })}\n`);
  console.log(`**idle total: $${idle.usd.toFixed(2)} a month**\n`);
  const memory = sb.services[0]!.gatewayFunction.node.defaultChild as unknown as { memorySize: number };
  const replicaRegions = Math.max(0, sb.services.length - 1);
  const deployed = perMillionRequests({ ...DEFAULT_REQUEST, gatewayMemoryMb: memory.memorySize, replicaRegions });
  console.log(`${markdownTable(deployed.lines, { label: `per million requests, ${memory.memorySize} MB (deployed)`, usd: deployed.usd }, 'per million')}\n`);
  const sizes = [128, 256, 512, 1024].map((mb) => `${mb} MB $${perMillionRequests({ ...DEFAULT_REQUEST, gatewayMemoryMb: mb, replicaRegions }).usd.toFixed(2)}`);
  console.log(`per million requests by gateway memory: ${sizes.join(', ')}\n`);
}

const given = contextFromArgs(process.argv.slice(2));
if (given) report('the given deployment', given);
else {
  report('one region (deploy/gateway.config.json, no context)', {});
  report('two regions with failover (the issue\'s multi-region command)', TWO_REGIONS);
}
