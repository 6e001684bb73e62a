// IP addresses and CIDR ranges over node:net's BlockList (which matches IPv4-mapped IPv6 addresses against
// IPv4 ranges), and the address classes the gateway refuses to call: link-local and cloud metadata always;
// loopback and private in a deployed function. Shared by the provider-URL checks (config load and connect
// time) and the tenants' IP allow-lists.
import { BlockList, isIP } from 'node:net';

/** an address as written (brackets and an IPv6 zone id dropped) and its family; undefined: not an address */
function address(text: string): [string, 'ipv4' | 'ipv6'] | undefined {
  const s = text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(s);
  return family ? [s, family === 4 ? 'ipv4' : 'ipv6'] : undefined;
}

/** `10.0.0.0/8`, `2001:db8::/32` or one address → [network, prefix, family]; undefined: not a range */
export function parseCidr(text: string): [string, number, 'ipv4' | 'ipv6'] | undefined {
  const [addr = '', bits, extra] = text.split('/');
  const a = address(addr);
  if (!a || extra !== undefined) return undefined;
  const max = a[1] === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  return prefix >= 0 && prefix <= max ? [a[0], prefix, a[1]] : undefined;
}

function blockList(ranges: string[]): BlockList {
  const list = new BlockList();
  for (const r of ranges) {
    const cidr = parseCidr(r);
    if (!cidr) throw new Error(`"${r}" is not an IP address or CIDR range`);
    list.addSubnet(...cidr);
  }
  return list;
}

/**
 * never called, from anywhere: instance metadata and link-local (169.254.169.254, fd00:ec2::254, fe80::/10),
 * unspecified addresses, and the IPv4-compatible (::a.b.c.d) and NAT64 forms of 169.254/16
 */
const METADATA = blockList(['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254', '0.0.0.0/8', '::', '::a9fe:0/112', '64:ff9b::a9fe:0/112']);
/**
 * this host and private networks, and the IPv4-compatible and NAT64 forms (which may lead anywhere): refused in
 * a deployed function unless the provider is private
 */
const INTERNAL = blockList(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', '::/96', '64:ff9b::/96']);

export type AddressClass = 'metadata' | 'internal' | 'public';

/** the class of an address; undefined: not an address */
export function classifyIp(text: string): AddressClass | undefined {
  const a = address(text);
  if (!a) return undefined;
  return METADATA.check(...a) ? 'metadata' : INTERNAL.check(...a) ? 'internal' : 'public';
}

/** A tenant's allow-list, parsed once: `allows(ip)` for a source address as the front door saw it. */
export class IpAllowList {
  private readonly list: BlockList;
  constructor(ranges: string[]) {
    this.list = blockList(ranges);
  }
  allows(source: string | undefined): boolean {
    const a = source ? address(source) : undefined;
    return a !== undefined && this.list.check(...a);
  }
}
