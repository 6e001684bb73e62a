// Finders for personal data and secrets in text: each a regular expression written to run in linear time on
// hostile input (no nested or overlapping unbounded quantifiers; boundaries by look-behind so a long run of
// one character class is tried once, not from every position), then a checksum or range check where the
// format has one (Luhn for cards, mod-97 for IBANs, the SSA's valid ranges for SSNs). Why our own and not a
// library: docs/guardrails.md.

export const PII_CHECKS = ['email', 'phone', 'payment_card', 'iban', 'us_ssn', 'ip_address', 'aws_access_key', 'private_key', 'api_key'] as const;
export type PiiCheck = (typeof PII_CHECKS)[number];

export interface Match {
  start: number;
  end: number;
  /** the check that found it (a PII check, or `deny`) */
  check: string;
}

type Finder = (text: string, out: Match[]) => void;

function byRegex(check: string, re: RegExp, valid?: (m: RegExpExecArray) => boolean): Finder {
  return (text, out) => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (!valid || valid(m)) out.push({ start: m.index, end: m.index + m[0].length, check });
    }
  };
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function ibanValid(iban: string): boolean {
  const s = iban.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) rest = (rest * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rest === 1;
}

/** the SSA's rules: area 001-665, 667-899; group 01-99; serial 0001-9999 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/** PEM private keys: BEGIN … END, found with indexOf so a BEGIN without its END costs one scan, not one per BEGIN */
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
const findPem: Finder = (text, out) => {
  PEM_BEGIN.lastIndex = 0;
  let endSearchedFrom = -1;
  let endAt = -1;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    if (endSearchedFrom < 0 || (endAt >= 0 && endAt < m.index)) {
      endAt = text.indexOf('-----END ', m.index + m[0].length);
      endSearchedFrom = m.index;
    }
    if (endAt < 0) {
      // a key cut off is still a key: everything from its BEGIN on
      out.push({ start: m.index, end: text.length, check: 'private_key' });
      return;
    }
    const close = text.indexOf('-----', endAt + 9);
    const end = close < 0 ? text.length : close + 5;
    out.push({ start: m.index, end, check: 'private_key' });
    PEM_BEGIN.lastIndex = end;
  }
};

/**
 * Emails from each "@" outwards: the local part back over its characters (64 at most), the domain forward with
 * a sticky regex; text without an "@" costs one indexOf
 */
const LOCAL = /[A-Za-z0-9._%+-]/;
const DOMAIN = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/y;
const findEmails: Finder = (text, out) => {
  let end = 0;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > Math.max(end, at - 64) && LOCAL.test(text[start - 1]!)) start--;
    if (start === at || (start > 0 && LOCAL.test(text[start - 1]!))) continue;
    DOMAIN.lastIndex = at + 1;
    if (!DOMAIN.test(text)) continue;
    end = DOMAIN.lastIndex;
    out.push({ start, end, check: 'email' });
    at = end - 1;
  }
};

const FINDERS: Record<PiiCheck, Finder> = {
  email: findEmails,
  // 10-15 digits in the usual groupings, optionally +country code; dates and versions have fewer digits
  phone: byRegex(
    'phone',
    /(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-]?)\d{3,4}[ .-]?\d{3,5}(?![\w])/g,
    (m) => {
      const digits = m[0].replace(/\D/g, '').length;
      return digits >= 10 && digits <= 15;
    },
  ),
  payment_card: byRegex('payment_card', /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g, (m) => {
    const digits = m[0].replace(/\D/g, '');
    return digits.length >= 13 && digits.length <= 19 && luhn(digits);
  }),
  iban: byRegex('iban', /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g, (m) => ibanValid(m[0])),
  us_ssn: byRegex('us_ssn', /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g, (m) => ssnValid(m[1]!, m[3]!, m[4]!)),
  ip_address: (text, out) => {
    byRegex('ip_address', new RegExp(`(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?![\\d]|\\.\\d)`, 'g'))(text, out);
    // IPv6: hex groups and colons, at least two colons; validated by node:net's parser
    byRegex('ip_address', /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g, (m) => ipv6Like(m[0]))(text, out);
  },
  aws_access_key: byRegex('aws_access_key', /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g),
  private_key: findPem,
  api_key: byRegex(
    'api_key',
    new RegExp(
      [
        'sk-ant-[a-z]{2,8}\\d{2}-[A-Za-z0-9_-]{20,}', // Anthropic
        'sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}', // OpenAI
        'gh[pousr]_[A-Za-z0-9]{36,255}', // GitHub tokens
        'github_pat_[A-Za-z0-9_]{22,255}', // GitHub fine-grained tokens
        'xox[abposr]-[A-Za-z0-9-]{10,250}', // Slack
        'AIza[0-9A-Za-z_-]{35}', // Google API keys
        '(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247}', // Stripe secret and restricted keys
        'glpat-[0-9A-Za-z_-]{20,}', // GitLab
        'npm_[A-Za-z0-9]{36}', // npm
        'hf_[A-Za-z]{34}', // Hugging Face
      ]
        .map((p) => `(?:${p})`)
        .join('|')
        .replace(/^/, '(?<![A-Za-z0-9_-])(?:')
        .concat(')(?![A-Za-z0-9_-])'),
      'g',
    ),
  ),
};

import { isIPv6 } from 'node:net';
function ipv6Like(s: string): boolean {
  return /[0-9A-Fa-f]/.test(s) && isIPv6(s);
}

export function findPii(text: string, checks: readonly PiiCheck[], out: Match[] = []): Match[] {
  for (const check of checks) FINDERS[check](text, out);
  return out;
}

/** matches sorted by start, overlapping ones merged into the first (longest first at equal starts) */
export function disjoint(matches: Match[]): Match[] {
  if (matches.length < 2) return matches;
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Match[] = [matches[0]!];
  for (let i = 1; i < matches.length; i++) {
    const m = matches[i]!;
    const last = out[out.length - 1]!;
    if (m.start < last.end) {
      if (m.end > last.end) last.end = m.end;
    } else out.push(m);
  }
  return out;
}
