// The one log line per request, written once the request is over: what it did, with every value bounded,
// so the line stays under 1 KB (CloudWatch bills log bytes) whatever the caller sent as model, path or id.
import type { RequestScope } from './gateway';
import type { LogAttributes } from './ports';

/** the longest string the line keeps of a value; a longer one is cut and says how much was cut */
export const REQUEST_LOG_VALUE_CHARS = 100;

export function requestLogLine(scope: RequestScope, status: number, latencyMs: number): LogAttributes {
  // receivedAt is the line's own timestamp minus latencyMs
  // the models and the usage are the line's gen_ai.* attributes (history/tracing.ts, added by the gateway)
  const { receivedAt: _receivedAt, settle: _settle, usage: _usage, providerModel: _providerModel, model: _model, ...fields } = scope;
  const line: LogAttributes = {};
  // the request id stays whole to be found by: the front door takes at most 128 safe characters as the caller's
  for (const [key, value] of Object.entries(fields)) line[key] = typeof value === 'string' && key !== 'requestId' ? bounded(value) : value;
  line.status = status;
  line.latencyMs = latencyMs;
  return line;
}

function bounded(value: string): string {
  return value.length <= REQUEST_LOG_VALUE_CHARS ? value : `${value.slice(0, REQUEST_LOG_VALUE_CHARS)}…(+${value.length - REQUEST_LOG_VALUE_CHARS} chars)`;
}
