// Files and Batches end to end, with the official openai client against the local gateway (embedded dynalite
// and embedded S3 through the real adapters, the in-process queue and workers) and a fake OpenAI upstream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { chatLine, config, embedLine, FINAL, linesOf, OTHER_KEY, PRICE, until, upload, upstreamHandler, UPSTREAM_KEY, withUpstream } from '../helpers/batches';
import { costNanoUsd } from '../../lambdas/core/pricing/cost';
import type { DynamoCostLedger } from '../../lambdas/adapters/dynamodb/cost-ledger';
import { dayOf } from '../../lambdas/core/periods';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb/client';
import { runCli } from '../../scripts/switchboard/commands';

async function cli(gateway: TestGateway, ...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--endpoint', gateway.dynamodbEndpoint, '--config', 'test/fixtures/batches.gateway.config.json', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) }, { dynamo: (o) => createDynamoClient(o), env: {}, now: () => Date.now() });
  return { code, out, err };
}

describe('Files and Batches APIs with the openai client', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeUpstream(upstreamHandler());
    gateway = await startTestGateway(withUpstream(config(), upstream), { env: { UP_KEY: UPSTREAM_KEY } });
    client = gateway.client();
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('runs 200 chat lines and 50 embedding lines (a batch per endpoint) to completed, one correct output line per custom_id', async () => {
    const chatFile = await upload(client, Array.from({ length: 200 }, (_, i) => chatLine(i)));
    expect(chatFile).toMatchObject({ object: 'file', purpose: 'batch', filename: 'input.jsonl', status: 'processed' });
    expect(chatFile.id).toMatch(/^file-/);
    const embedFile = await upload(client, Array.from({ length: 50 }, (_, i) => embedLine(i)), 'embed.jsonl');

    const chat = await client.batches.create({ input_file_id: chatFile.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'eval' } });
    const embed = await client.batches.create({ input_file_id: embedFile.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    expect(chat).toMatchObject({ object: 'batch', status: 'validating', endpoint: '/v1/chat/completions', input_file_id: chatFile.id, completion_window: '24h', metadata: { job: 'eval' } });

    const [chatDone, embedDone] = await Promise.all([chat, embed].map((b) => until(() => client.batches.retrieve(b.id), (v) => FINAL.includes(v.status))));
    expect(chatDone!.status).toBe('completed');
    expect(chatDone!.request_counts).toEqual({ total: 200, completed: 200, failed: 0 });
    expect(chatDone!.in_progress_at).toBeTypeOf('number');
    expect(chatDone!.completed_at).toBeTypeOf('number');
    expect(chatDone!.error_file_id).toBeNull();
    expect(embedDone!.status).toBe('completed');
    expect(embedDone!.request_counts).toEqual({ total: 50, completed: 50, failed: 0 });

    const chatOut = await linesOf(client, chatDone!.output_file_id);
    expect(chatOut).toHaveLength(200);
    expect(new Set(chatOut.map((l) => l.custom_id))).toEqual(new Set(Array.from({ length: 200 }, (_, i) => `chat-${i}`)));
    for (const line of chatOut) {
      const i = Number(line.custom_id.slice('chat-'.length));
      expect(line.error).toBeNull();
      expect(line.id).toMatch(/^batch_req_/);
      expect(line.response!.status_code).toBe(200);
      const body = line.response!.body as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number } };
      expect(body.choices[0]!.message.content).toBe(`echo: line ${i}`);
      expect(body.usage.prompt_tokens).toBe(10 + `line ${i}`.length);
    }
    const embedOut = await linesOf(client, embedDone!.output_file_id);
    expect(embedOut).toHaveLength(50);
    for (const line of embedOut) {
      const i = Number(line.custom_id.slice('emb-'.length));
      expect((line.response!.body as { data: Array<{ embedding: number[] }> }).data[0]!.embedding[0]).toBe(`text number ${i}`.length);
    }
    // every line went upstream once, as the gateway's own request
    expect(upstream.received.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(200);
    expect(upstream.received.every((r) => r.headers.authorization === `Bearer ${UPSTREAM_KEY}`)).toBe(true);

    // the ledger holds one entry per line, marked with its batch
    const ledger = gateway.runtime.deps.ledger as DynamoCostLedger;
    const entries = [];
    for await (const e of ledger.entries('test', dayOf(Date.now()))) entries.push(e);
    expect(entries.filter((e) => e.batchId === chat.id)).toHaveLength(200);
    expect(entries.filter((e) => e.batchId === embed.id)).toHaveLength(50);

    // the output file is a file of the tenant's, purpose batch_output
    const outFile = await client.files.retrieve(chatDone!.output_file_id!);
    expect(outFile).toMatchObject({ purpose: 'batch_output', object: 'file' });
  });

  it('shows batches to the operator: switchboard batches list|show|cancel with a progress bar', async () => {
    const file = await upload(client, Array.from({ length: 3 }, (_, i) => chatLine(i)));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { priority: 'high' } });
    await until(() => client.batches.retrieve(batch.id), (v) => v.status === 'completed');
    const list = await cli(gateway, 'batches', 'list');
    expect(list.code).toBe(0);
    const row = list.out.find((l) => l.startsWith(batch.id))!;
    expect(row).toContain('completed');
    expect(row).toContain('high');
    expect(row).toContain('[████████████████████] 100%  3/3');
    const show = await cli(gateway, 'batches', 'show', '--tenant', 'test', '--id', batch.id);
    expect(show.code).toBe(0);
    expect(show.out.join('\n')).toMatch(/status:\s+completed/);
    expect(show.out.join('\n')).toContain('output file: file-');
    const cancel = await cli(gateway, 'batches', 'cancel', '--tenant', 'test', '--id', batch.id);
    expect(cancel.code).toBe(2);
    expect(cancel.err.join('\n')).toContain('is completed');
    expect((await cli(gateway, 'batches', 'show', '--tenant', 'other', '--id', batch.id)).code).toBe(2);
  });

  it('lists batches newest first with cursor pagination, and files', async () => {
    const file = await upload(client, [chatLine(1)]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const first = await client.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const second = await client.batches.list({ limit: 2, after: ids[1] });
    expect(second.data[0]!.id).toBe(ids[0]);
    // the SDK's auto-pagination walks every page
    const all: string[] = [];
    for await (const b of client.batches.list({ limit: 2 })) all.push(b.id);
    expect(all.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
    const files = await client.files.list({ purpose: 'batch' });
    expect(files.data.some((f) => f.id === file.id)).toBe(true);
    await Promise.all(ids.map((id) => until(() => client.batches.retrieve(id), (v) => FINAL.includes(v.status))));
  });

  it('keeps files and batches per tenant: another tenant gets 404 for their ids', async () => {
    const file = await upload(client, [chatLine(1)]);
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const other = gateway.client({ apiKey: OTHER_KEY });
    await expect(other.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.batches.cancel(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
    expect((await other.files.list()).data).toHaveLength(0);
    expect((await other.batches.list()).data).toHaveLength(0);
    await until(() => client.batches.retrieve(batch.id), (v) => FINAL.includes(v.status));
    // the owner can delete it; then it is gone
    expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('fails a batch at validating with the number of its bad line, and runs none of it', async () => {
    const before = upstream.received.length;
    const lines = [chatLine(1), chatLine(2), '{"custom_id": "broken", "method": "POST", ', chatLine(4), chatLine(5, {}).replace('/v1/chat/completions', '/v1/embeddings'), chatLine(1)];
    const file = await upload(client, lines);
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const failed = await until(() => client.batches.retrieve(batch.id), (v) => FINAL.includes(v.status));
    expect(failed.status).toBe('failed');
    expect(failed.failed_at).toBeTypeOf('number');
    expect(failed.errors?.data).toEqual([
      expect.objectContaining({ code: 'invalid_json_line', line: 3 }),
      expect.objectContaining({ code: 'invalid_url', line: 5, param: 'url' }),
      expect.objectContaining({ code: 'duplicate_custom_id', line: 6, param: 'custom_id' }),
    ]);
    expect(failed.output_file_id).toBeNull();
    expect(upstream.received.length).toBe(before);
  });

  it('refuses bad requests in OpenAI shape and changes nothing', async () => {
    const file = await upload(client, [chatLine(1)]);
    const state = async () => ({ batches: (await client.batches.list({ limit: 100 })).data.length, files: (await client.files.list()).data.length, upstream: upstream.received.length });
    const before = await state();
    await expect(client.batches.create({ input_file_id: file.id, endpoint: '/v1/completions' as never, completion_window: '24h' })).rejects.toMatchObject({ status: 400 });
    await expect(client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '1h' as never })).rejects.toMatchObject({ status: 400 });
    await expect(client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { priority: 'urgent' } })).rejects.toMatchObject({ status: 400, param: 'metadata.priority' });
    await expect(client.batches.create({ input_file_id: 'file-000000000000000000000000', endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
    await expect(client.files.create({ file: await toFile(Buffer.from('{}\n'), 'x.jsonl'), purpose: 'assistants' })).rejects.toMatchObject({ status: 400, param: 'purpose' });
    await expect(client.files.create({ file: await toFile(Buffer.from('a,b\n'), 'x.csv'), purpose: 'batch' })).rejects.toMatchObject({ status: 400 });
    const raw = await gateway.call('/v1/files', { body: 'not multipart', headers: { 'content-type': 'text/plain' } });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const unauth = await fetch(`${gateway.url}/v1/batches`, { headers: { authorization: 'Bearer nope' } });
    expect(unauth.status).toBe(401);
    expect(await state()).toEqual(before);
  });
});

describe('a batch within a tenant limit of 60 requests a minute (the gateway clock runs 6x: a minute passes in 10 s)', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  async function run(rateShare: number, lines: number) {
    upstream = await startFakeUpstream(upstreamHandler());
    gateway = await startTestGateway(withUpstream(config({ limits: { requestsPerMinute: 60 } }, { rateShare }), upstream), { env: { UP_KEY: UPSTREAM_KEY }, timeScale: 6 });
    const client = gateway.client();
    const file = await upload(client, Array.from({ length: lines }, (_, i) => chatLine(i)));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const interactive: number[] = [];
    let done = false;
    const calls = (async () => {
      while (!done) {
        const res = await gateway.call('/v1/chat/completions', { body: { model: 'chat', max_tokens: 8, messages: [{ role: 'user', content: 'interactive' }] } });
        interactive.push(res.status);
        await res.text();
        await new Promise((r) => setTimeout(r, 1_000)); // 6 s of the gateway's clock: 10 a window
      }
    })();
    const final = await until(() => client.batches.retrieve(batch.id), (v) => FINAL.includes(v.status), 45_000, 200);
    done = true;
    await calls;
    // the batch's lines per rate window, from their ledger entries (stamped with the gateway's clock)
    const perWindow = new Map<number, number>();
    for await (const e of (gateway.runtime.deps.ledger as DynamoCostLedger).entries('test', dayOf(gateway.runtime.deps.clock.now()))) {
      if (e.batchId === batch.id) perWindow.set(Math.floor(e.at / 60_000), (perWindow.get(Math.floor(e.at / 60_000)) ?? 0) + 1);
    }
    return { final, interactive, client, perWindow: [...perWindow.values()] };
  }

  it('completes without a single 429 in its output, and the tenant\'s interactive calls are never refused meanwhile', async () => {
    const lines = 45;
    const { final, interactive, client, perWindow } = await run(0.5, lines);
    expect(final.status).toBe('completed');
    expect(final.request_counts).toEqual({ total: lines, completed: lines, failed: 0 });
    const out = await linesOf(client, final.output_file_id);
    expect(out).toHaveLength(lines);
    expect(out.filter((l) => l.response?.status_code !== 200)).toEqual([]);
    expect(JSON.stringify(out)).not.toContain('rate_limit_exceeded');
    // at most half of each window's 60 went to the batch: it waited for the next window, it did not fail
    expect(perWindow.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...perWindow)).toBeLessThanOrEqual(30);
    expect(interactive.length).toBeGreaterThanOrEqual(3);
    expect(interactive.filter((s) => s !== 200)).toEqual([]);
  }, 60_000);

  it('(the control) with a share of 1 the batch takes more than half of a window', async () => {
    const { final, perWindow } = await run(1, 75);
    expect(final.status).toBe('completed');
    expect(Math.max(...perWindow)).toBeGreaterThan(30);
  }, 60_000);
});

describe('files a tenant may keep', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startFakeUpstream(upstreamHandler());
    gateway = await startTestGateway(withUpstream(config({}, { maxFilesPerTenant: 2 }), upstream), { env: { UP_KEY: UPSTREAM_KEY } });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('refuses an upload past maxFilesPerTenant (storage is the operator\'s) until one is deleted; other tenants are not counted', async () => {
    const client = gateway.client();
    const first = await upload(client, [chatLine(1)]);
    await upload(client, [chatLine(2)]);
    const refused = await upload(client, [chatLine(3)]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('file_limit_reached');
    expect((await client.files.list()).data).toHaveLength(2);
    const other = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: OTHER_KEY, maxRetries: 0 });
    expect((await upload(other, [chatLine(4)])).id).toMatch(/^file-/);
    await client.files.delete(first.id);
    expect((await upload(client, [chatLine(5)])).id).toMatch(/^file-/);
  });
});

describe('priorities', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('runs a high-priority batch ahead of low-priority work queued before it', async () => {
    upstream = await startFakeUpstream(upstreamHandler(5));
    // one worker: the order is the queue's alone
    gateway = await startTestGateway(withUpstream(config({}, { workers: 1, linesPerChunk: 10 }), upstream), { env: { UP_KEY: UPSTREAM_KEY } });
    const client = gateway.client();
    const lowFile = await upload(client, Array.from({ length: 100 }, (_, i) => chatLine(i)));
    const highFile = await upload(client, Array.from({ length: 10 }, (_, i) => chatLine(1000 + i)));
    const low = await client.batches.create({ input_file_id: lowFile.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { priority: 'low' } });
    await until(() => client.batches.retrieve(low.id), (v) => v.request_counts!.completed >= 5, 10_000, 20);
    const high = await client.batches.create({ input_file_id: highFile.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { priority: 'high' } });
    const highDone = await until(() => client.batches.retrieve(high.id), (v) => v.status === 'completed', 20_000, 20);
    const lowThen = await client.batches.retrieve(low.id);
    // the high batch finished while most of the low one still waited in the queue
    expect(lowThen.status).toBe('in_progress');
    expect(lowThen.request_counts!.completed).toBeLessThan(50);
    expect(highDone.request_counts).toEqual({ total: 10, completed: 10, failed: 0 });
    await until(() => client.batches.retrieve(low.id), (v) => v.status === 'completed', 30_000);
  });
});

describe('cancel and budgets', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('cancel stops new lines within seconds and reports what finished', async () => {
    upstream = await startFakeUpstream(upstreamHandler(40));
    gateway = await startTestGateway(withUpstream(config(), upstream), { env: { UP_KEY: UPSTREAM_KEY } });
    const client = gateway.client();
    const file = await upload(client, Array.from({ length: 400 }, (_, i) => chatLine(i)));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await until(() => client.batches.retrieve(batch.id), (v) => v.request_counts!.completed >= 20);
    const cancelled = await client.batches.cancel(batch.id);
    const cancelAt = Date.now();
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);
    const final = await until(() => client.batches.retrieve(batch.id), (v) => v.status === 'cancelled', 5_000, 50);
    expect(Date.now() - cancelAt).toBeLessThan(3_000);
    expect(final.cancelling_at).toBeTypeOf('number');
    expect(final.cancelled_at).toBeTypeOf('number');
    const calls = upstream.received.length;
    await new Promise((r) => setTimeout(r, 500));
    // nothing new started after it was cancelled
    expect(upstream.received.length).toBe(calls);
    const out = await linesOf(client, final.output_file_id);
    expect(out.length).toBe(final.request_counts!.completed);
    expect(out.length).toBe(calls);
    expect(out.length).toBeGreaterThanOrEqual(20);
    expect(out.length).toBeLessThan(400);
    expect(final.request_counts!.total).toBe(400);
    await expect(client.batches.cancel(batch.id)).rejects.toMatchObject({ status: 400 });
  });

  it('finishes the lines that fit the daily budget, marks the rest budget_exceeded, and the ledger equals the priced output to the nano-dollar', async () => {
    upstream = await startFakeUpstream(upstreamHandler());
    // a line costs about $0.0001 (some 17 input and 5 output tokens at $2/$8 per million) and holds its bound, ~$0.0002
    gateway = await startTestGateway(withUpstream(config({ budget: { dailyUsd: 0.002 } }), upstream), { env: { UP_KEY: UPSTREAM_KEY } });
    const client = gateway.client();
    const file = await upload(client, Array.from({ length: 40 }, (_, i) => chatLine(i)));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const final = await until(() => client.batches.retrieve(batch.id), (v) => FINAL.includes(v.status));
    expect(final.status).toBe('completed');
    const out = await linesOf(client, final.output_file_id);
    const err = await linesOf(client, final.error_file_id);
    expect(out.length).toBeGreaterThan(0);
    expect(err.length).toBeGreaterThan(0);
    expect(out.length + err.length).toBe(40);
    expect(final.request_counts).toEqual({ total: 40, completed: out.length, failed: err.length });
    for (const line of err) {
      expect(line.error).toMatchObject({ code: 'budget_exceeded' });
      expect(line.response).toMatchObject({ status_code: 429 });
    }
    const priced = out.reduce((sum, l) => {
      const usage = (l.response!.body as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
      return sum + costNanoUsd({ input: usage.prompt_tokens, output: usage.completion_tokens, cachedInput: 0, cacheWrite: 0 }, PRICE);
    }, 0);
    const ledger = gateway.runtime.deps.ledger as DynamoCostLedger;
    let ledgered = 0;
    let entries = 0;
    for await (const e of ledger.entries('test', dayOf(Date.now()))) {
      if (e.batchId !== batch.id) continue;
      ledgered += e.costNanoUsd;
      entries++;
    }
    expect(ledgered).toBe(priced);
    expect(priced).toBeGreaterThan(0);
    // only the served lines were charged; refused lines have no entry (they never reached a provider)
    expect(entries).toBe(out.length);
    expect(upstream.received).toHaveLength(out.length);
    expect(priced).toBeLessThanOrEqual(2_000_000);
  });
});
