// Parse and validate the gateway config text; a bad file fails with every problem listed by JSON path.
import type { z } from 'zod';
import { gatewayConfig, type GatewayConfig } from './schema';
import { describeIssue } from '../validation';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid gateway config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  return issues.map((i) => {
    const { param, message } = describeIssue(i);
    return `${param}: ${message}`;
  });
}

/** Remove // and /* *\/ comments and trailing commas outside strings: the file is JSONC. */
export function stripJsonComments(text: string): string {
  return dropTrailingCommas(scanOutsideStrings(text, (t, i) => {
    if (t[i] === '/' && t[i + 1] === '/') {
      const end = t.indexOf('\n', i);
      return end < 0 ? t.length : end;
    }
    if (t[i] === '/' && t[i + 1] === '*') {
      const end = t.indexOf('*/', i + 2);
      return end < 0 ? t.length : end + 2;
    }
    return i;
  }));
}

function dropTrailingCommas(text: string): string {
  return scanOutsideStrings(text, (t, i) => {
    if (t[i] !== ',') return i;
    let j = i + 1;
    while (j < t.length && /\s/.test(t[j]!)) j++;
    return t[j] === '}' || t[j] === ']' ? i + 1 : i;
  });
}

/** Copy `text`, letting `skip` return how far to jump over (drop) what starts at i outside a string. */
function scanOutsideStrings(text: string, skip: (t: string, i: number) => number): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
      continue;
    }
    const next = skip(text, i);
    if (next > i) i = next;
    else out += text[i++];
  }
  return out;
}

export function parseGatewayConfig(text: string, source = 'gateway config'): GatewayConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(stripJsonComments(text));
  } catch (err) {
    throw new ConfigError(source, [`not JSON: ${(err as Error).message}`]);
  }
  return validateGatewayConfig(raw, source);
}

export function validateGatewayConfig(raw: unknown, source = 'gateway config'): GatewayConfig {
  const result = gatewayConfig.safeParse(raw);
  if (!result.success) throw new ConfigError(source, describeIssues(result.error.issues));
  return result.data;
}
