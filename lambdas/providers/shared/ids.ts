// Ids for answers and tool calls when a provider does not give one.
import { randomUUID } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}${randomUUID().replaceAll('-', '')}`;
}

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
