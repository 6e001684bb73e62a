// Values from a request that become part of an upstream URL's path (Gemini's model resource; Bedrock's
// modelId, which the AWS SDK percent-encodes itself). A value that would be read as something other than one
// segment — "." or "..", or a character that ends the segment, the path or the query (/ ? # % \ :) — would
// send the operator's key to another endpoint of the provider's host, so it is refused before any call, as a
// request no other target could serve either. What passes is percent-encoded all the same.
import { ProviderError } from '../types';

/** RFC 3986's unreserved characters: nothing a server reads as structure */
const SAFE_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const DOT_SEGMENT = /^\.{1,2}$/;

/** the model name cannot be put in this provider's URL: a 400 for the caller, never a call */
export function invalidModelName(provider: string, model: string, rule: string): ProviderError {
  const shown = model.length > 64 ? `${model.slice(0, 64)}…` : model;
  return new ProviderError({ status: 400, retryable: false, code: 'invalid_model_name', message: `${provider} cannot address the model "${shown}": ${rule}` });
}

/** One path segment: unreserved characters only, never "." or "..", and encoded. */
export function pathSegment(provider: string, value: string, whole = value): string {
  if (!SAFE_SEGMENT.test(value) || DOT_SEGMENT.test(value)) {
    throw invalidModelName(provider, whole, 'a model name here is letters, digits, ".", "_", "-" and "~", and not "." or ".."');
  }
  return encodeURIComponent(value);
}

/** a value the caller's SDK encodes into one segment itself: only the dot segments and emptiness are left to refuse */
export function encodedBySdk(provider: string, value: string): string {
  if (value === '' || DOT_SEGMENT.test(value)) throw invalidModelName(provider, value, 'a model id is not empty, "." or ".."');
  return value;
}
