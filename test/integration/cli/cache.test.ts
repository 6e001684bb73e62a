// `switchboard cache stats | purge` and the usage report's cache lines against dynalite, with a gateway on the
// same tables answering from its cache: the CLI sees the entries, the hits and savings, and purges them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/dynamodb/client';
import { runCli } from '../../../scripts/switchboard/commands';
import { startTestDynamo, type TestDynamo } from '../../helpers/dynalite';
import { baseConfig, startTestGateway, type TestGateway } from '../../helpers/gateway';

let db: TestDynamo;
let gw: TestGateway;
let configPath: string;

beforeAll(async () => {
  db = await startTestDynamo();
  const config = baseConfig({ models: [{ name: 'echo', targets: [{ provider: 'mock', model: 'echo' }], cache: { ttlSeconds: 600 } }] });
  configPath = join(mkdtempSync(join(tmpdir(), 'switchboard-cli-cache-')), 'gateway.config.json');
  writeFileSync(configPath, JSON.stringify(config));
  gw = await startTestGateway(config, { dynamodbEndpoint: db.endpoint });
});
afterAll(async () => {
  await gw?.close();
  await db?.stop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--endpoint', db.endpoint, '--config', configPath, ...argv], { out: (l) => out.push(l), err: (l) => err.push(l) }, { dynamo: (o) => createDynamoClient(o), env: {}, now: () => Date.now() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('switchboard cache', () => {
  it('shows entries and hits, exports them in the CSV, and purges a tenant’s entries', async () => {
    const ask = () => gw.call('/v1/chat/completions', { body: { model: 'echo', messages: [{ role: 'user', content: 'cache me' }] } });
    expect((await ask()).headers.get('x-gateway-cache')).toBe('miss');
    // the answer is written after the response, once the request has settled (the first one settles slowest)
    await new Promise((r) => setTimeout(r, 500));
    expect((await ask()).headers.get('x-gateway-cache')).toBe('hit');

    const stats = await cli('cache', 'stats');
    expect(stats.code).toBe(0);
    expect(stats.out).toMatch(/test\s+echo\s+1\s+1/);

    let usage = await cli('usage', '--tenant', 'test');
    for (let i = 0; i < 50 && !usage.out.includes('response cache'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      usage = await cli('usage', '--tenant', 'test');
    }
    expect(usage.out).toMatch(/1 answered from the response cache, saving \$0\.0000\d+/);
    const csv = (await cli('usage', '--tenant', 'test', '--csv', '-')).out.split('\n');
    expect(csv[0]!.endsWith(',cache,cacheSavedUsd')).toBe(true);
    expect(csv.filter((l) => l.includes(',miss,')).length).toBe(1);
    expect(csv.filter((l) => /,hit,0\.\d+$/.test(l)).length).toBe(1);

    const purge = await cli('cache', 'purge', '--tenant', 'test', '--model', 'echo');
    expect(purge.out).toContain('deleted 1 cached answer(s) of test for echo');
    expect((await cli('cache', 'stats')).out).toContain('the response cache is empty');
    expect((await cli('cache', 'purge', '--tenant', 'Not A Tenant')).code).toBe(2);
  });
});
