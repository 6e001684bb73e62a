// Every answer of the Files and Batch routes against the official OpenAPI document (openai/openai-openapi, the
// schemas in test/fixtures/openapi/openai-batch.json): the file object from upload and retrieve, the file list,
// the delete answer, the batch object as created (validating), while it runs (in_progress), completed and
// cancelled, and the batch list. The document has no schema for the output file's lines (BatchRequestOutput is
// not in it), so those are checked against the shape the Batch guide describes.
//
// Nulls: OpenAI answers an optional field it has no value for with null (`"output_file_id": null`,
// `"failed_at": null`, `"status_details": null`; the document's own Batch example shows them), and so does the
// gateway, while the document types those fields as string or integer without null. Such a null is dropped
// before validation (`answer` below); a required field, and every value that is given, is held to the schema as
// written. An empty list cannot conform at all (first_id and last_id are required strings and there is no id to
// give), so it is checked for OpenAI's answer, nulls, on its own.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../fakes/upstream';
import { contract } from '../helpers/openapi';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { chatLine, config, FINAL, linesOf, until, upload, upstreamHandler, UPSTREAM_KEY, withUpstream } from '../helpers/batches';

const FIXTURE = 'test/fixtures/openapi/openai-batch.json';
const conforms = contract(FIXTURE);
const schemas = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { components: { schemas: Record<string, { required?: string[] }> } }).components.schemas;
const ITEMS: Record<string, string> = { ListFilesResponse: 'OpenAIFile', ListBatchesResponse: 'Batch' };

/** the answer without the nulls of fields the schema does not require (see the head of this file) */
function answer(name: string, value: unknown): unknown {
  const required = new Set(schemas[name]!.required ?? []);
  const kept = Object.entries(value as Record<string, unknown>).filter(([k, v]) => v !== null || required.has(k));
  const item = ITEMS[name];
  return Object.fromEntries(kept.map(([k, v]) => [k, item && k === 'data' ? (v as unknown[]).map((x) => answer(item, x)) : v]));
}
const conformsAnswer = (name: string, value: unknown) => conforms(name, answer(name, value));

describe('Files and Batch answers conform to the OpenAI OpenAPI document', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  /** the raw JSON answer, not the SDK's parse of it */
  async function raw(method: string, path: string): Promise<unknown> {
    const res = await gw.call(path, { method });
    expect(res.status, path).toBe(200);
    return res.json();
  }

  beforeAll(async () => {
    // every upstream call takes 30 ms, so a batch of 300 lines is seen in_progress and can be cancelled mid-way
    upstream = await startFakeUpstream(upstreamHandler(30));
    gw = await startTestGateway(withUpstream(config(), upstream), { env: { UP_KEY: UPSTREAM_KEY } });
    client = gw.client();
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('file object (upload, retrieve), file list, delete answer', async () => {
    const file = await upload(client, [chatLine(1), chatLine(2)]);
    conformsAnswer('OpenAIFile', file);
    conformsAnswer('OpenAIFile', await raw('GET', `/v1/files/${file.id}`));
    const list = await raw('GET', '/v1/files?purpose=batch');
    conformsAnswer('ListFilesResponse', list);
    expect((list as { data: Array<{ id: string }> }).data.some((f) => f.id === file.id)).toBe(true);
    expect(await raw('GET', '/v1/files?purpose=fine-tune')).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    conformsAnswer('DeleteFileResponse', await raw('DELETE', `/v1/files/${file.id}`));
  });

  it('batch object at validating, in_progress and completed; the output file and its lines; the batch list', async () => {
    const file = await upload(client, Array.from({ length: 40 }, (_, i) => chatLine(i)));
    const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'contract' } });
    expect(created.status).toBe('validating');
    conformsAnswer('Batch', created);
    const running = await until(() => raw('GET', `/v1/batches/${created.id}`) as Promise<{ status: string }>, (v) => v.status === 'in_progress', 30_000, 10);
    conformsAnswer('Batch', running);
    const done = await until(() => raw('GET', `/v1/batches/${created.id}`) as Promise<{ status: string; output_file_id: string }>, (v) => FINAL.includes(v.status));
    expect(done.status).toBe('completed');
    conformsAnswer('Batch', done);

    const output = await raw('GET', `/v1/files/${done.output_file_id}`);
    conformsAnswer('OpenAIFile', output);
    expect(output).toMatchObject({ purpose: 'batch_output' });
    const lines = await linesOf(client, done.output_file_id);
    expect(lines).toHaveLength(40);
    for (const line of lines) {
      // the Batch guide's output line: id, custom_id, response { status_code, request_id, body }, error
      expect(Object.keys(line).sort()).toEqual(['custom_id', 'error', 'id', 'response']);
      expect(line.id).toBeTypeOf('string');
      expect(line.custom_id).toBeTypeOf('string');
      expect(line.error).toBeNull();
      expect(line.response!.status_code).toBe(200);
      expect(line.response!.request_id).toBeTypeOf('string');
      expect(line.response!.body).toMatchObject({ object: 'chat.completion' });
    }

    const list = await raw('GET', '/v1/batches?limit=5');
    conformsAnswer('ListBatchesResponse', list);
    expect((list as { data: Array<{ id: string }> }).data.map((b) => b.id)).toContain(created.id);
  });

  it('batch object when cancelled, from the cancel call and after', async () => {
    const file = await upload(client, Array.from({ length: 300 }, (_, i) => chatLine(i)));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await until(() => client.batches.retrieve(batch.id), (v) => v.request_counts!.completed >= 5);
    const cancelling = await raw('POST', `/v1/batches/${batch.id}/cancel`);
    expect(['cancelling', 'cancelled']).toContain((cancelling as { status: string }).status);
    conformsAnswer('Batch', cancelling);
    const cancelled = await until(() => raw('GET', `/v1/batches/${batch.id}`) as Promise<{ status: string }>, (v) => v.status === 'cancelled', 5_000, 50);
    conformsAnswer('Batch', cancelled);
  });
});
