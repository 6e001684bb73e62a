// IP addresses as 16 bytes (IPv4 as its IPv4-mapped IPv6 form), CIDR ranges over them, and the address classes
// the gateway refuses to call (link-local and cloud metadata always; loopback and private in a deployed
// function). Shared by the provider-URL checks (config load and connect time) and the tenants' IP allow-lists.
import { isIPv4, isIPv6 } from 'node:net';

export type IpBytes = Uint8Array;

/** `a.b.c.d` or any IPv6 text (zone ids dropped) → 16 bytes; undefined: not an address */
export function parseIp(text: string): IpBytes | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIPv4(s)) {
    const out = new Uint8Array(16);
    out[10] = 0xff;
    out[11] = 0xff;
    s.split('.').forEach((part, i) => (out[12 + i] = Number(part)));
    return out;
  }
  if (!isIPv6(s)) return undefined;
  // an embedded dotted quad (::ffff:1.2.3.4) becomes two groups
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/** the IPv4 address an IPv6 one stands for (mapped ::ffff:a.b.c.d, deprecated compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d) */
function embeddedIpv4(ip: IpBytes): IpBytes | undefined {
  const zeros = (from: number, to: number) => ip.slice(from, to).every((b) => b === 0);
  const mapped = zeros(0, 10) && ip[10] === 0xff && ip[11] === 0xff;
  if (mapped) return undefined; // already the IPv4 form
  const compatible = zeros(0, 12) && !zeros(12, 14);
  const nat64 = ip[0] === 0x00 && ip[1] === 0x64 && ip[2] === 0xff && ip[3] === 0x9b && zeros(4, 12);
  if (!compatible && !nat64) return undefined;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(ip.slice(12), 12);
  return out;
}

export interface Cidr {
  bytes: IpBytes;
  bits: number;
  text: string;
}

/** `10.0.0.0/8`, `2001:db8::/32` or a single address; undefined: not a range */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const v4 = isIPv4(addr.trim());
  const max = v4 ? 32 : 128;
  const prefix = slash < 0 ? max : /^\d{1,3}$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { bytes, bits: v4 ? prefix + 96 : prefix, text };
}

export function inCidr(ip: IpBytes, range: Cidr): boolean {
  const whole = range.bits >> 3;
  for (let i = 0; i < whole; i++) if (ip[i] !== range.bytes[i]) return false;
  const rest = range.bits & 7;
  if (!rest) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[whole]! & mask) === (range.bytes[whole]! & mask);
}

const ranges = (list: string[]) => list.map((c) => parseCidr(c)!);

/** never called, from anywhere: instance metadata and link-local (169.254.169.254, fd00:ec2::254, fe80::/10) */
const METADATA = ranges(['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128', '0.0.0.0/8', '::/128']);
/** this host and private networks: refused in a deployed function unless the provider is marked private */
const INTERNAL = ranges(['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7']);

export type AddressClass = 'metadata' | 'internal' | 'public';

export function classifyIp(ip: IpBytes): AddressClass {
  const candidates = [ip, embeddedIpv4(ip)].filter((x): x is IpBytes => x !== undefined);
  if (candidates.some((c) => METADATA.some((r) => inCidr(c, r)))) return 'metadata';
  if (candidates.some((c) => INTERNAL.some((r) => inCidr(c, r)))) return 'internal';
  return 'public';
}

/** A tenant's allow-list, parsed once: `allows(ip)` for a source address as the front door saw it. */
export class IpAllowList {
  private readonly cidrs: Cidr[];
  constructor(list: string[]) {
    this.cidrs = list.map((text) => {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`"${text}" is not an IP address or CIDR range`);
      return cidr;
    });
  }
  allows(source: string | undefined): boolean {
    const ip = source ? parseIp(source) : undefined;
    if (!ip) return false;
    const forms = [ip, embeddedIpv4(ip)].filter((x): x is IpBytes => x !== undefined);
    return forms.some((f) => this.cidrs.some((c) => inCidr(f, c)));
  }
}
