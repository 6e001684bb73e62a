// The pipeline's hooks into the guardrails (lambdas/core/pipeline/serve.ts): the request's policies and its
// input checks, the output window for streams, and the answer header. Nothing runs, and nothing is allocated,
// for a request no policy applies to.
import type { GatewayDeps } from '../gateway';
import type { DoorPiece } from '../pipeline/serve';
import { policiesFor, RequestGuard } from './guard';
import { guardStream } from './stream-window';

export { RequestGuard } from './guard';

/** the request's guard after its input checks (which may refuse it or mask it in place); undefined: no policy */
export async function guardInput(
  parsed: { chat: { model: string; messages: unknown } },
  tenant: { tier?: string; guardrails?: string[] },
  deps: GatewayDeps,
  scope: { requestId: string; guardrails?: string[] },
): Promise<RequestGuard | undefined> {
  const policies = policiesFor(deps.config, tenant, parsed.chat.model);
  if (!policies.length) return undefined;
  const guard = new RequestGuard(policies, { logger: deps.logger, metrics: deps.metrics, guardrails: deps.guardrails, requestId: scope.requestId });
  try {
    await guard.input(parsed);
  } finally {
    const items = guard.items();
    if (items.length) scope.guardrails = items;
  }
  return guard;
}

/** a streamed answer under the request's output policies (as it came when there are none) */
export function guardedPieces(pieces: AsyncIterable<DoorPiece>, guard: RequestGuard | undefined): AsyncIterable<DoorPiece> {
  const policies = guard?.outputPolicies;
  return policies?.length ? guardStream(pieces, guard!, policies) : pieces;
}

/**
 * A streamed answer's text as the client got it: the mask policies' output masking applied again (the stream
 * window masks frames, not the text the call recorded), for what is logged of it
 */
export function outputAsSent(guard: RequestGuard | undefined, text: string | undefined): string | undefined {
  return guard && text ? guard.maskOutput(text) : text;
}

/** the x-gateway-guardrails header of what acted so far */
export function guardrailHeaders(guard: RequestGuard | undefined): Record<string, string> {
  const items = guard?.items();
  return items?.length ? { 'x-gateway-guardrails': items.join('; ') } : {};
}
