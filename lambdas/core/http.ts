// The gateway's own request and response, free of any transport: the Lambda handler and the local server
// both translate to and from these.

export interface GatewayRequest {
  method: string;
  /** the API path from /v1 or /health on, whatever stage or base path it arrived under */
  path: string;
  /** lower-case names */
  headers: Record<string, string>;
  query: Record<string, string>;
  body: string | undefined;
  /** bytes of the body as received (the 413 check) */
  bodyBytes: number;
  requestId: string;
  receivedAt: number;
  /** who the front door already established the caller to be */
  identity: {
    /** set by the API Gateway key authorizer */
    tenantId?: string;
    /** set on the IAM (SigV4) path */
    iamPrincipalArn?: string;
  };
  /** the caller's address as the front door saw it (API Gateway's sourceIp; the local server's socket) */
  sourceIp?: string;
  /** aborts when the client goes away, so the upstream call stops too */
  signal?: AbortSignal;
  /** a line of this batch (set by the batch worker only, never from a client): its ledger entry says so */
  batchId?: string;
}

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  /** a whole body, or SSE frames as they are produced */
  body: string | AsyncIterable<string>;
  /**
   * Work that runs once the client has its last byte (ledger settlement, metrics). The front door awaits
   * it before the invocation ends, so it is never lost; it also runs when the client went away mid-stream.
   */
  after?: () => Promise<void>;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
