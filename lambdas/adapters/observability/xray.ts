// A request's GenAI attributes into its X-Ray trace, without the X-Ray SDK (too heavy for the gateway bundle):
// one subsegment `gen_ai` under the invocation's segment, sent to the X-Ray daemon Lambda runs beside the
// function (AWS_XRAY_DAEMON_ADDRESS, UDP), with the attributes as annotations (searchable; names with `_` for
// `.`, as X-Ray allows) and as metadata under their OTel names. Only for sampled invocations
// (_X_AMZN_TRACE_ID carries Sampled=1); nothing at all where there is no daemon (local runs, tests).
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { GenAiAttributes } from '../../core/history/tracing';

const HEADER = '{"format":"json","version":1}\n';

export interface TraceContext {
  root: string;
  parent: string;
}

/** Root and Parent of a sampled invocation's trace header, else undefined */
export function sampledTrace(header: string | undefined): TraceContext | undefined {
  if (!header) return undefined;
  const parts = Object.fromEntries(header.split(';').map((p) => p.split('=') as [string, string]));
  return parts.Root && parts.Parent && parts.Sampled === '1' ? { root: parts.Root, parent: parts.Parent } : undefined;
}

/** the subsegment document for these attributes */
export function genAiSubsegment(attributes: GenAiAttributes, trace: TraceContext, startMs: number, endMs: number, id = randomBytes(8).toString('hex')): Record<string, unknown> {
  const annotations: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) annotations[key.replaceAll('.', '_')] = value;
  return {
    name: 'gen_ai',
    id,
    trace_id: trace.root,
    parent_id: trace.parent,
    type: 'subsegment',
    namespace: 'remote',
    start_time: startMs / 1000,
    end_time: endMs / 1000,
    annotations,
    metadata: { gen_ai: attributes },
  };
}

/**
 * DepS.trace for a function with X-Ray active tracing: undefined without a daemon address. The trace header is
 * read per request (the runtime sets it on every invocation).
 */
export function xrayTracer(env: Record<string, string | undefined> = process.env): ((attributes: GenAiAttributes, startMs: number, endMs: number) => void) | undefined {
  const address = env.AWS_XRAY_DAEMON_ADDRESS?.split(' ')[0];
  if (!address) return undefined;
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  if (!host || !Number.isInteger(port)) return undefined;
  let socket: Socket | undefined;
  return (attributes, startMs, endMs) => {
    const trace = sampledTrace(env._X_AMZN_TRACE_ID);
    if (!trace) return;
    if (!socket) {
      socket = createSocket('udp4');
      socket.unref();
      socket.on('error', () => undefined);
    }
    // fire and forget: a trace never holds up or fails a request
    socket.send(HEADER + JSON.stringify(genAiSubsegment(attributes, trace, startMs, endMs)), port, host, () => undefined);
  };
}
