// Upper bounds on the tokens of a text, for every tokenizer a provider may use. Why UTF-8 bytes and not a
// tokenizer: docs/token-estimates.md ("Text").
//
// A byte-level BPE (OpenAI's o200k and cl100k, Llama 3, Claude's published tokenizer, Cohere's) emits tokens
// that each cover at least one byte of the UTF-8 text; a SentencePiece model with byte fallback (Gemini and
// Gemma, Llama 2, Mistral) emits at most one token per byte too. So the UTF-8 length bounds both, for any
// script, code, emoji or crafted string. Tokenizers that normalize first tokenize the normalized text, which
// can be longer: NFKC (Claude's published tokenizer) turns U+FDFA into 18 characters, NFC (Qwen2's) turns a
// composition exclusion such as U+0958 into two. The bound takes the longest of the three.

/** the most tokens any of our providers' tokenizers makes of `text` */
export function textTokenBound(text: string): number {
  const bytes = Buffer.byteLength(text, 'utf8');
  // all ASCII: no normalization changes it. Otherwise normalizing costs about 5 ms a MB (measured in
  // `npm run bench`); checking first whether it could change anything cost more than doing it.
  if (bytes === text.length) return bytes;
  return Math.max(bytes, Buffer.byteLength(text.normalize('NFKC'), 'utf8'), Buffer.byteLength(text.normalize('NFC'), 'utf8'));
}

/**
 * JSON a provider parses and renders again into its prompt (tool schemas, tool-call arguments, response
 * schemas). The rendering is not published and may differ from what we hold: it may put a space or a line
 * break after every `,` `:` `{` `[` (json.dumps, pretty printers), and it may escape every non-ASCII
 * character as `\uXXXX` (json.dumps' default). Each of those costs at most one token more than the
 * character it follows, and an escape at most its six bytes.
 */
export function jsonTextTokenBound(json: string): number {
  let escaped = 0;
  let structural = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c >= 0x80) escaped += 6;
    else {
      escaped += 1;
      // , : { [
      if (c === 0x2c || c === 0x3a || c === 0x7b || c === 0x5b) structural++;
    }
  }
  return Math.max(escaped, textTokenBound(json)) + structural;
}

/** a JSON value (a tool's parameters, a response schema) as the provider may render it */
export function jsonTokenBound(value: unknown): number {
  return value === undefined ? 0 : jsonTextTokenBound(JSON.stringify(value) ?? '');
}
