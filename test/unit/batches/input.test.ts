// The pieces of the Files and Batches APIs that need no server: the multipart reader, the line-by-line check of
// a batch's input, and the ids that sort by creation.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../lambdas/core/errors';
import { validateBatchInput } from '../../../lambdas/core/batches/input';
import { boundaryOf, parseMultipart } from '../../../lambdas/core/batches/multipart';
import { BATCH_ID, FILE_ID, newBatchId, newFileId } from '../../../lambdas/core/batches/objects';

const CRLF = '\r\n';
function form(boundary: string, parts: Array<{ name: string; filename?: string; value: string }>): string {
  return (
    parts
      .map((p) => `--${boundary}${CRLF}Content-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}${CRLF}${p.filename ? `Content-Type: application/octet-stream${CRLF}` : ''}${CRLF}${p.value}${CRLF}`)
      .join('') + `--${boundary}--${CRLF}`
  );
}

describe('multipart/form-data reader', () => {
  it('reads the fields and the file, the file byte for byte (CRLFs inside it kept)', () => {
    const file = '{"a":1}\r\n{"b":"--not-the-boundary"}\n';
    const parts = parseMultipart(form('XyZ', [{ name: 'purpose', value: 'batch' }, { name: 'file', filename: 'in.jsonl', value: file }]), 'XyZ');
    expect(parts).toEqual([
      { name: 'purpose', filename: undefined, contentType: undefined, value: 'batch' },
      { name: 'file', filename: 'in.jsonl', contentType: 'application/octet-stream', value: file },
    ]);
  });

  it('takes the boundary from the content type, quoted or not, and only from multipart/form-data', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc123')).toBe('----abc123');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/json')).toBeUndefined();
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
  });

  it('refuses malformed bodies with a 400 that says what is wrong', () => {
    const bad = (body: string) => {
      try {
        parseMultipart(body, 'B');
      } catch (err) {
        return err as GatewayError;
      }
      throw new Error('accepted');
    };
    expect(bad('no boundary here').status).toBe(400);
    expect(bad(`--B${CRLF}Content-Disposition: form-data; name="x"${CRLF}${CRLF}value without an end`).message).toContain('closing boundary');
    expect(bad(`--B${CRLF}Content-Type: text/plain${CRLF}${CRLF}x${CRLF}--B--`).message).toContain('Content-Disposition');
    const many = form('B', Array.from({ length: 17 }, (_, i) => ({ name: `f${i}`, value: 'x' })));
    expect(bad(many).message).toContain('more than 16 parts');
  });
});

const line = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [] }, ...extra });

describe('batch input validation', () => {
  it('passes good lines through in order', () => {
    const { lines, problems } = validateBatchInput(`${line('a')}\n${line('b')}\n`, '/v1/chat/completions', 10);
    expect(problems).toEqual([]);
    expect(lines.map((l) => (JSON.parse(l) as { custom_id: string }).custom_id)).toEqual(['a', 'b']);
  });

  it('names every bad line by its number, as OpenAI does', () => {
    const text = [
      line('a'),
      'not json',
      '[1,2]',
      JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'm' } }),
      line('a'),
      line('c', { method: 'GET' }),
      line('d', { url: '/v1/embeddings' }),
      line('e', { body: { messages: [] } }),
      line('f', { body: { model: 'm', stream: true } }),
      '',
      line('g'),
    ].join('\n');
    const { problems } = validateBatchInput(text, '/v1/chat/completions', 100);
    expect(problems.map((p) => [p.line, p.code, p.param ?? null])).toEqual([
      [2, 'invalid_json_line', null],
      [3, 'invalid_json_line', null],
      [4, 'missing_required_parameter', 'custom_id'],
      [5, 'duplicate_custom_id', 'custom_id'],
      [6, 'invalid_method', 'method'],
      [7, 'invalid_url', 'url'],
      [8, 'missing_required_parameter', 'body.model'],
      [9, 'invalid_value', 'body.stream'],
      [10, 'invalid_json_line', null],
    ]);
  });

  it('refuses an empty file and one with too many lines', () => {
    expect(validateBatchInput('', '/v1/chat/completions', 10).problems[0]!.code).toBe('empty_file');
    const three = [line('a'), line('b'), line('c')].join('\n');
    expect(validateBatchInput(three, '/v1/chat/completions', 2).problems).toEqual([expect.objectContaining({ code: 'too_many_tasks' })]);
  });
});

describe('ids', () => {
  it('sort by creation time, so a store lists them newest first by key', () => {
    const a = newBatchId(1_000);
    const b = newBatchId(2_000);
    expect(a < b).toBe(true);
    expect(a).toMatch(BATCH_ID);
    expect(newFileId(5)).toMatch(FILE_ID);
  });
});
