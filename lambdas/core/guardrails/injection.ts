// Prompt sanitization and prompt-injection heuristics. Control tokens are the chat templates' own markers
// (<|im_start|>, [INST], <<SYS>>, …): in user content they can only be an attempt to forge turns, so they are
// removed (mask) or refused (block). The injection check scores phrase patterns typical of injection and
// jailbreak attempts; a text whose score reaches the policy's threshold is flagged. Heuristics catch the
// common, copy-pasted attacks and nothing clever (docs/guardrails.md says what they miss).

/** chat-template control tokens of the common open-weight families (ChatML, Llama 2/3, Gemma, Mistral, Phi, GPT-2…) */
export const CONTROL_TOKENS = /<\|(?:im_start|im_end|im_sep|endoftext|begin_of_text|end_of_text|eot_id|start_header_id|end_header_id|eom_id|system|user|assistant|end|fim_prefix|fim_middle|fim_suffix)\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start_of_turn|end_of_turn)>/g;

/** each pattern with its weight; a text's score is the sum of the weights of the patterns it matches (each once) */
const INJECTION_PATTERNS: Array<[RegExp, number]> = [
  [/\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*(?:previous|prior|above|earlier|preceding|system|original|initial)\s+(?:instructions?|prompts?|rules|directions|guidelines|messages?|context)/i, 1],
  [/\byou\s+are\s+(?:now\s+)?(?:DAN|STAN|DUDE|AIM|an?\s+unrestricted|an?\s+unfiltered|jailbroken|free\s+from)/i, 1],
  [/\b(?:do\s+anything\s+now|developer\s+mode|god\s+mode|jailbreak(?:ed)?|unfiltered\s+mode|no\s+restrictions)\b/i, 0.6],
  [/\b(?:reveal|show|print|repeat|output|display|tell\s+me|what\s+(?:is|are|was))\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|original\s+instructions|instructions\s+above)/i, 1],
  [/\brepeat\s+(?:everything|all|the\s+text|the\s+words)\s+(?:above|before)/i, 0.8],
  [/\b(?:new|updated|real)\s+(?:system\s+)?instructions?\s*:/i, 0.5],
  [/\b(?:pretend|act\s+as\s+if|imagine)\s+(?:that\s+)?you\s+(?:have\s+no|are\s+not\s+bound\s+by|don'?t\s+have)\s+(?:rules|restrictions|guidelines|filters|limits)/i, 0.8],
  [/^\s*(?:system|assistant)\s*:/im, 0.4],
  [/\bstay\s+in\s+character\b/i, 0.3],
];

export const DEFAULT_INJECTION_THRESHOLD = 1;

/** the score of a text: the sum of the weights of the patterns it matches */
export function injectionScore(text: string): { score: number } {
  let score = 0;
  for (const [re, weight] of INJECTION_PATTERNS) if (re.test(text)) score += weight;
  return { score };
}

export function findControlTokens(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  CONTROL_TOKENS.lastIndex = 0;
  for (let m = CONTROL_TOKENS.exec(text); m; m = CONTROL_TOKENS.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}
