// Request mapping as data: each row moves one OpenAI request field to its place in a provider's native body,
// clamped to the native range and transformed on the way; one function applies a provider's table.
import type { ChatRequest } from '../../core/openai/chat-request';

export interface ParamRule {
  /** the OpenAI field, or how to read it (for a value with two names, like max_tokens) */
  from: string | ((req: ChatRequest) => unknown);
  /** where it goes: a dotted path in the native body, e.g. "generationConfig.topP" */
  to: string;
  /** the native range; a value outside it is clamped (OpenAI allows temperature up to 2, Claude up to 1) */
  min?: number;
  max?: number;
  /** the native form of the value; undefined leaves the field out */
  transform?: (value: unknown, req: ChatRequest) => unknown;
}

/** Writes every mapped field the request sets into `body`; absent and null fields are left out. */
export function applyParams<T extends Record<string, unknown>>(req: ChatRequest, rules: readonly ParamRule[], body: T): T {
  for (const rule of rules) {
    let value = typeof rule.from === 'function' ? rule.from(req) : req[rule.from];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number') value = clamp(value, rule.min, rule.max);
    if (rule.transform) value = rule.transform(value, req);
    if (value !== undefined) setPath(body, rule.to, value);
  }
  return body;
}

function clamp(value: number, min = -Infinity, max = Infinity): number {
  return Math.min(max, Math.max(min, value));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const dot = path.indexOf('.');
  if (dot < 0) {
    target[path] = value;
    return;
  }
  const head = path.slice(0, dot);
  const child = (target[head] ??= {}) as Record<string, unknown>;
  setPath(child, path.slice(dot + 1), value);
}

/** OpenAI's `stop` is a string or a list; every native API takes a list. */
export function stopList(value: unknown): string[] {
  return typeof value === 'string' ? [value] : (value as string[]);
}
