// Provider URLs that cannot be turned against the gateway (SSRF): a baseUrl naming instance metadata or a
// link-local address is refused always; one naming this host or a private network is refused in a deployed
// function unless its provider is marked `private`. The config check sees literal addresses (the WHATWG URL
// parser has already turned decimal, hex and octal IPv4 forms into dotted quads); names are checked again
// where they resolve, at connect time (lambdas/adapters/http/node-http-client.ts), against DNS rebinding.
import { classifyIp, type AddressClass } from './ip';

/** names that are metadata services whatever they resolve to */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);
const LOCAL_NAMES = /^(?:localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$|\.localhost$/;

/** the class of a URL's host as written: an address's class, a known name's, or undefined (resolve to know) */
export function hostClass(host: string): AddressClass | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  const cls = classifyIp(name);
  if (cls) return cls;
  if (METADATA_NAMES.has(name)) return 'metadata';
  if (LOCAL_NAMES.test(name)) return 'internal';
  return undefined;
}

/** refused everywhere: a metadata or link-local host */
export function providerUrlProblem(baseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined; // the url check reports it
  }
  if (hostClass(url.hostname) === 'metadata') return `baseUrl ${baseUrl} is a link-local address (instance metadata): a provider is never called there, private or not`;
  return undefined;
}

/** What a connection may reach: metadata never, internal addresses only locally or for private providers' hosts. */
export interface ConnectPolicy {
  /** refuse loopback and private addresses (a deployed function) */
  deployed: boolean;
  /** hosts of providers marked private: they may resolve to private addresses */
  privateHosts: ReadonlySet<string>;
}

/** why a host, resolved to `address`, may not be connected to; undefined: it may */
export function connectProblem(host: string, address: string, policy: ConnectPolicy): string | undefined {
  const cls = classifyIp(address);
  if (!cls) return `${host} resolved to "${address}", which is not an address`;
  if (cls === 'metadata') return `${host} resolves to ${address}, a link-local or instance-metadata address: refused`;
  if (cls === 'internal' && policy.deployed && !policy.privateHosts.has(host.toLowerCase()))
    return `${host} resolves to ${address}, a loopback or private address: refused (mark the provider "private" to allow it)`;
  return undefined;
}

export function connectPolicyOf(providers: ReadonlyArray<{ baseUrl?: string; private?: boolean }>, deployed: boolean): ConnectPolicy {
  const privateHosts = new Set<string>();
  for (const p of providers) if (p.private && p.baseUrl) privateHosts.add(new URL(p.baseUrl).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  return { deployed, privateHosts };
}
