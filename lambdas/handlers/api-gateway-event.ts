// API Gateway REST proxy events (the same shape in AWS and from the local server) → GatewayRequest.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { GatewayRequest } from '../core/http';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function toGatewayRequest(event: APIGatewayProxyEvent, now: number, signal?: AbortSignal): GatewayRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value != null) headers[name.toLowerCase()] = value;
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    const lower = name.toLowerCase();
    if (values?.length && !(lower in headers)) headers[lower] = values.join(', ');
  }
  const body = event.body == null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const incomingId = headers['x-request-id'];
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v != null) query[k] = v;
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const tenantId = typeof authorizer?.tenantId === 'string' ? authorizer.tenantId : undefined;
  // userArn is set by API Gateway only on IAM-authorized methods, after it verified the SigV4 signature
  const iamPrincipalArn = tenantId ? undefined : (event.requestContext?.identity?.userArn ?? undefined);

  return {
    method: event.httpMethod.toUpperCase(),
    path: apiPath(event.path),
    headers,
    query,
    body,
    bodyBytes: body === undefined ? 0 : Buffer.byteLength(body),
    requestId: incomingId && REQUEST_ID.test(incomingId) ? incomingId : `req_${randomUUID().replaceAll('-', '')}`,
    receivedAt: now,
    identity: { tenantId, iamPrincipalArn },
    sourceIp: event.requestContext?.identity?.sourceIp ?? undefined,
    signal,
  };
}

/** The API path whatever stage, base path or /iam prefix it arrived under: /v1/… or /health. */
export function apiPath(path: string): string {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const v1 = clean.indexOf('/v1/');
  if (v1 >= 0) return clean.slice(v1);
  if (clean.endsWith('/v1')) return '/v1';
  if (clean.endsWith('/health')) return '/health';
  return clean;
}
