// API keys as callers present them, and the SHA-256 form in which they are stored and compared.
import { createHash, randomBytes } from 'node:crypto';

/** `Authorization: Bearer <key>` (what the OpenAI SDKs send) or `x-api-key: <key>`. */
export function extractApiKey(headers: Record<string, string | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key']?.trim();
  return apiKey || undefined;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** 32 random bytes, URL-safe, with a prefix that makes a leaked key recognizable (and greppable by scanners). */
export function generateGatewayKey(): string {
  return `sk-sb-${randomBytes(32).toString('base64url')}`;
}

/** what generateGatewayKey makes */
export const GATEWAY_KEY_PATTERN = /^sk-sb-[A-Za-z0-9_-]{43}$/;
