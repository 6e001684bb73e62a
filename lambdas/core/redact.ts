// Upstream error text, made safe to show a tenant and to log: providers echo keys ("Incorrect API key
// provided: sk-live-****WXYZ"), AWS puts the account id and the role's ARN in AccessDenied messages, and a
// proxy may echo a header. What looks like a credential, an account id or an ARN is replaced by a marker;
// the words around it (what went wrong) stay. Applied where every provider error is made (ProviderError).
//
// Patterns, in order (earlier ones take what they match before later, broader ones see it):
//   ARNs                     arn:aws:iam::123456789012:role/x, arn:aws-cn:…, arn:aws-us-gov:…
//   bearer credentials       Bearer …, Basic …
//   header and field values  x-api-key: …, x-goog-api-key=…, api_key=…, "authorization": "…", password=…
//   known key shapes         sk-… (OpenAI, Anthropic sk-ant-, OpenRouter sk-or-), AKIA/ASIA… (AWS key ids),
//                            AIza… (Google), gsk_ (Groq), xai-, hf_, ghp_…, JWTs
//   AWS account ids          any run of exactly 12 digits
//   long secret-like runs    32+ hex digits; a base64/base64url run with a part of 20+ characters mixing
//                            upper case, lower case and digits (UUIDs and model names do not qualify: lower
//                            case, or words between "-", "." and ":")

/** what stands in for a removed value */
export const REDACTED = '[redacted]';
/** a provider's message is cut to this many characters: enough to say what went wrong */
export const MAX_UPSTREAM_MESSAGE_CHARS = 1_000;

const RULES: ReadonlyArray<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  [/\barn:aws[a-z-]*:[^\s"'`,;)\]}>]*/gi, '[arn redacted]'],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{12,}/gi, (_m, scheme: string) => `${scheme} ${REDACTED}`],
  // a named credential's value, quoted or not: keep the name, drop the value
  [
    /\b((?:x-)?(?:goog-)?api[-_]?key|authorization|proxy-authorization|access[-_]?token|refresh[-_]?token|secret(?:[-_]?access)?[-_]?key|client[-_]?secret|password)(["']?\s*[:=]\s*["']?)(?!\[redacted\])([^\s"'`,;&)\]}]+)/gi,
    (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`,
  ],
  [/\bsk-[A-Za-z0-9_*-]{3,}(?:\.[A-Za-z0-9_*-]+)*/g, REDACTED],
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|A3T[A-Z0-9])[A-Z0-9]{12,}\b/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, REDACTED],
  [/\b(?:gsk|hf|ghp|gho|ghs|ghu|github_pat|xai)[-_][A-Za-z0-9_*-]{12,}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/(?<![0-9])[0-9]{12}(?![0-9])/g, '[account redacted]'],
  [/\b[0-9a-fA-F]{32,}\b/g, REDACTED],
  [/[A-Za-z0-9+/=_-]{20,}/g, (run) => (run.split(/[-_/]/).some(looksRandom) ? REDACTED : run)],
];

/** 20+ characters mixing upper case, lower case and digits: a key, not a word or a model name's part */
function looksRandom(segment: string): boolean {
  return segment.length >= 20 && /[A-Z]/.test(segment) && /[a-z]/.test(segment) && /[0-9]/.test(segment);
}

/** `text` without anything credential-like, account ids or ARNs, and at most MAX_UPSTREAM_MESSAGE_CHARS long */
export function redactSecrets(text: string): string {
  const out = redactSecretsWhole(text.length > 4 * MAX_UPSTREAM_MESSAGE_CHARS ? text.slice(0, 4 * MAX_UPSTREAM_MESSAGE_CHARS) : text);
  return out.length > MAX_UPSTREAM_MESSAGE_CHARS ? `${out.slice(0, MAX_UPSTREAM_MESSAGE_CHARS - 1)}…` : out;
}

/** the same rules over the whole text, uncut (logged payloads in `redacted` mode: core/history/payloads.ts) */
export function redactSecretsWhole(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement as (substring: string, ...args: string[]) => string);
  return out;
}
