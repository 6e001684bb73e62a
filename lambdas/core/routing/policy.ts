// Per-request routing hints, from the request's `metadata` or the `x-gateway-policy` header (which wins):
// task, sensitivity, max latency, max cost, and a strategy override. The header takes JSON or
// `key=value` pairs separated by ";" or ",".
import * as z from 'zod';
import { STRATEGIES } from '../config/schema';
import { errors } from '../errors';

export const POLICY_HEADER = 'x-gateway-policy';

const hints = z.strictObject({
  task: z.string().min(1).max(64).optional(),
  /** high: only providers marked private (or the built-in mock) may see the request */
  sensitivity: z.enum(['low', 'normal', 'high']).optional(),
  max_latency_ms: z.coerce.number().int().positive().optional(),
  max_cost_usd: z.coerce.number().positive().optional(),
  strategy: z.enum(STRATEGIES).optional(),
});

export interface PolicyHints {
  task?: string;
  sensitivity?: 'low' | 'normal' | 'high';
  maxLatencyMs?: number;
  maxCostUsd?: number;
  strategy?: (typeof STRATEGIES)[number];
}

const KNOWN = new Set(Object.keys(hints.shape));

/** `maxLatencyMs`, `max-latency-ms` and `max_latency_ms` all name the same hint */
function normalizeKey(key: string): string {
  return key.trim().replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

export function readPolicy(headers: Record<string, string>, metadata: Record<string, string> | undefined): PolicyHints {
  const fromMetadata: Record<string, string> = {};
  // metadata is the caller's own too: only the hint names are ours
  for (const [k, v] of Object.entries(metadata ?? {})) if (KNOWN.has(normalizeKey(k))) fromMetadata[normalizeKey(k)] = v;
  const header = headers[POLICY_HEADER];
  const fromHeader = header ? parseHeader(header) : {};
  const source = header ? POLICY_HEADER : 'metadata';
  const parsed = hints.safeParse({ ...fromMetadata, ...fromHeader });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? String(issue.path[0]) : (issue as { keys?: string[] }).keys?.[0] ?? '';
    throw errors.invalidRequest(`Invalid routing hint ${field ? `"${field}"` : ''} in ${source}: ${issue.message}`, `${source}.${field}`);
  }
  const h = parsed.data;
  return { task: h.task, sensitivity: h.sensitivity, maxLatencyMs: h.max_latency_ms, maxCostUsd: h.max_cost_usd, strategy: h.strategy };
}

function parseHeader(value: string): Record<string, unknown> {
  const text = value.trim();
  let entries: Array<[string, unknown]>;
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw errors.invalidRequest(`The ${POLICY_HEADER} header is not valid JSON.`, POLICY_HEADER);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw errors.invalidRequest(`The ${POLICY_HEADER} header must be a JSON object.`, POLICY_HEADER);
    entries = Object.entries(json);
  } else {
    entries = text
      .split(/[;,]/)
      .filter((pair) => pair.trim())
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) throw errors.invalidRequest(`The ${POLICY_HEADER} header takes key=value pairs; "${pair.trim()}" has no "=".`, POLICY_HEADER);
        return [pair.slice(0, eq), pair.slice(eq + 1).trim()];
      });
  }
  return Object.fromEntries(entries.map(([k, v]) => [normalizeKey(k), v]));
}
