// A bounded multipart/form-data reader for POST /v1/files: a few text fields and one file, from a body that
// is already whole in memory (API Gateway and Lambda hand it over so). Our own, small and strict, rather than
// a streaming library built for large uploads: the gateway bundle stays small, and nothing here is streamed.
import { errors } from '../errors';

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  value: string;
}

const MAX_PARTS = 16;
const MAX_HEADER_CHARS = 8 * 1024;

/** the boundary of a multipart/form-data content type, or undefined when it is not one */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** the parts of a multipart/form-data body; a malformed body is a 400 that says what is wrong */
export function parseMultipart(body: string, boundary: string): FormPart[] {
  const delimiter = `--${boundary}`;
  const bad = (what: string) => errors.invalidRequest(`The multipart/form-data body is malformed: ${what}.`);
  let at = body.indexOf(delimiter);
  if (at < 0) throw bad('no part starts with the boundary of its content type');
  const parts: FormPart[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.startsWith('--', at)) return parts;
    if (!body.startsWith('\r\n', at)) throw bad('a boundary line does not end with CRLF');
    at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0 || headerEnd - at > MAX_HEADER_CHARS) throw bad('a part has no end of its headers');
    const headers = parseHeaders(body.slice(at, headerEnd));
    const next = body.indexOf(`\r\n${delimiter}`, headerEnd + 4);
    if (next < 0) throw bad('the closing boundary is missing');
    const disposition = headers['content-disposition'];
    const name = disposition && paramOf(disposition, 'name');
    if (!disposition || !/^\s*form-data\s*(;|$)/i.test(disposition) || name === undefined) throw bad('a part has no Content-Disposition: form-data with a name');
    if (parts.length === MAX_PARTS) throw bad(`more than ${MAX_PARTS} parts`);
    parts.push({ name, filename: paramOf(disposition, 'filename'), contentType: headers['content-type'], value: body.slice(headerEnd + 4, next) });
    at = next + 2;
  }
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** a parameter of a header value: name="value" (quotes and backslash escapes undone) or name=token */
function paramOf(header: string, param: string): string | undefined {
  const re = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const match = re.exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}
