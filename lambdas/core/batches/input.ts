// A batch's input file, checked line by line before any line runs (as OpenAI does): one request per line,
// `{"custom_id","method":"POST","url":<the batch's endpoint>,"body":{…,"model"}}`. A bad line fails the whole
// batch at `validating`, with its line number.
import type { BatchEndpoint, BatchProblem } from './ports';

export interface BatchLine {
  custom_id: string;
  method: 'POST';
  url: string;
  body: Record<string, unknown>;
}

/** problems listed for one batch at most: a file that is wrong throughout says so in the first few */
const MAX_PROBLEMS = 100;
const MAX_CUSTOM_ID_CHARS = 512;

/** the physical lines of a JSONL text, without a final empty one */
export function jsonlLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Every request line of the file, or the problems that fail the batch (line numbers count from 1). */
export function validateBatchInput(text: string, endpoint: BatchEndpoint, maxLines: number): { lines: string[]; problems: BatchProblem[] } {
  const problems: BatchProblem[] = [];
  const lines: string[] = [];
  const seen = new Set<string>();
  const physical = jsonlLines(text);
  for (let i = 0; i < physical.length && problems.length < MAX_PROBLEMS; i++) {
    const raw = physical[i]!;
    const line = i + 1;
    if (raw.trim() === '') {
      problems.push({ code: 'invalid_json_line', message: 'This line is empty: every line of a batch file must hold one request.', line });
      continue;
    }
    const problem = lineProblem(raw, endpoint, seen);
    if (problem) problems.push({ ...problem, line });
    else lines.push(raw);
  }
  if (!problems.length && lines.length === 0) problems.push({ code: 'empty_file', message: 'The input file holds no request lines.', line: null });
  if (lines.length > maxLines) problems.push({ code: 'too_many_tasks', message: `A batch may hold at most ${maxLines} requests; this file holds ${lines.length}.`, line: null });
  return { lines, problems };
}

function lineProblem(raw: string, endpoint: BatchEndpoint, seen: Set<string>): Omit<BatchProblem, 'line'> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.' };
  }
  if (!isObject(value)) return { code: 'invalid_json_line', message: 'This line is not a JSON object.' };
  const customId = value.custom_id;
  if (typeof customId !== 'string' || customId === '') return { code: 'missing_required_parameter', message: 'custom_id is required: a non-empty string.', param: 'custom_id' };
  if (customId.length > MAX_CUSTOM_ID_CHARS) return { code: 'invalid_value', message: `custom_id may be at most ${MAX_CUSTOM_ID_CHARS} characters.`, param: 'custom_id' };
  if (seen.has(customId)) return { code: 'duplicate_custom_id', message: `The custom_id '${customId.slice(0, 64)}' is used by an earlier line: each must be unique.`, param: 'custom_id' };
  seen.add(customId);
  if (value.method !== 'POST') return { code: 'invalid_method', message: 'method must be "POST".', param: 'method' };
  if (value.url !== endpoint) return { code: 'invalid_url', message: `url must be the batch's endpoint, "${endpoint}" (one endpoint per batch).`, param: 'url' };
  const body = value.body;
  if (!isObject(body)) return { code: 'missing_required_parameter', message: 'body is required: the request as the endpoint takes it.', param: 'body' };
  if (typeof body.model !== 'string' || body.model === '') return { code: 'missing_required_parameter', message: 'body.model is required.', param: 'body.model' };
  if (body.stream === true) return { code: 'invalid_value', message: 'body.stream is not supported in a batch: each line gets a whole answer.', param: 'body.stream' };
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
