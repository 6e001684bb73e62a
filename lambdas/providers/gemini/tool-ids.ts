// Gemini 3 refuses a function-calling turn sent back without the thought signature its functionCall part
// carried. OpenAI clients echo only the tool call id, so the signature rides inside it (base64url, so the id
// stays within [A-Za-z0-9_-], as Anthropic and Bedrock require should the conversation move there).
const SIGNATURE_MARK = '__ts__';

export function toolCallId(base: string, signature?: string): string {
  return signature ? `${base}${SIGNATURE_MARK}${Buffer.from(signature, 'base64').toString('base64url')}` : base;
}

export function signatureOf(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  return at < 0 ? undefined : Buffer.from(id.slice(at + SIGNATURE_MARK.length), 'base64url').toString('base64');
}
