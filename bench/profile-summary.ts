// Reads a V8 .cpuprofile (node --cpu-prof) into where the time went: by area (our code, each package, Node
// internals, GC), by owner (whose call made Node do the work), the top functions by self time, and our own
// functions by inclusive time.
// Also runnable alone: npx tsx bench/profile-summary.ts <file.cpuprofile> [root]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** of busy (non-idle) time */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  busyMs: number;
  byArea: Share[];
  /** time with a frame of the area anywhere on the stack (areas overlap: shares do not add up) */
  byAreaInclusive: Share[];
  /**
   * each sample charged to the nearest frame outside Node's own code: the package, or the file of ours, whose
   * call made Node do the work (socket writes, GC and V8's own time apart). Shares add up.
   */
  byOwner: Share[];
  topSelf: Share[];
  /** functions under lambdas/ by inclusive time (synchronous stacks: an await ends a stack) */
  ownInclusive: Share[];
}

const IDLE = new Set(['(idle)', '(root)']);
/** native write calls: mostly the kernel's loopback TCP work (and the peer woken), which lands in the sender's syscall */
const WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString']);

export function summarizeProfile(file: string, root: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const rootUrl = pathToFileURL(root).href.replace(/\/?$/, '/');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // a sample lasts until the next one
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + us);
  }

  // a module loaded through tsx's CommonJS path is named by its file path, an ES module by its file: URL
  for (const n of profile.nodes) if (n.callFrame.url.startsWith('/')) n.callFrame.url = pathToFileURL(n.callFrame.url).href;

  const location = (f: CallFrame): string => {
    if (!f.url) return '';
    const path = f.url.startsWith(rootUrl) ? f.url.slice(rootUrl.length) : f.url.replace(/^file:\/\//, '');
    return `${path}:${f.lineNumber + 1}`;
  };
  const key = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${location(f)}`.trim();
  const area = (f: CallFrame): string => {
    if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
    const nm = f.url.lastIndexOf('node_modules/');
    if (nm >= 0) {
      const parts = f.url.slice(nm + 'node_modules/'.length).split('/');
      return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    }
    if (f.url.startsWith('node:')) {
      const parts = f.url.replace(/^node:(internal\/)?/, '').split('/');
      return `node:${parts.length > 1 ? parts[0] : parts[0]!.replace(/\.js$/, '')}`;
    }
    if (f.url.startsWith(rootUrl)) {
      const rel = f.url.slice(rootUrl.length);
      return rel.startsWith('lambdas/') ? `lambdas/${rel.split('/')[1]}` : rel.split('/')[0]!;
    }
    return f.url;
  };

  let sampledUs = 0;
  let idleUs = 0;
  const areas = new Map<string, number>();
  const selfByKey = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areaInclusive = new Map<string, number>();
  const owners = new Map<string, number>();
  const owner = (id: number): string => {
    const leaf = byId.get(id)!.callFrame;
    if (!leaf.url && WRITES.has(leaf.functionName)) return '(socket and file writes)';
    if (!leaf.url && leaf.functionName.startsWith('(')) return leaf.functionName;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!f.url || f.url.startsWith('node:')) continue;
      return f.url.startsWith(`${rootUrl}lambdas/`) ? f.url.slice(rootUrl.length) : area(f);
    }
    return `(node, no caller of ours: ${area(leaf)})`;
  };
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    sampledUs += us;
    if (IDLE.has(node.callFrame.functionName)) {
      idleUs += us;
      continue;
    }
    areas.set(area(node.callFrame), (areas.get(area(node.callFrame)) ?? 0) + us);
    const by = owner(id);
    owners.set(by, (owners.get(by) ?? 0) + us);
    selfByKey.set(key(node.callFrame), (selfByKey.get(key(node.callFrame)) ?? 0) + us);
    // each of our functions on this stack gets the sample once, however often it recurs
    const seen = new Set<string>();
    const seenAreas = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (f.url.startsWith(`${rootUrl}lambdas/`)) seen.add(key(f));
      if (f.url && !f.url.startsWith('node:')) seenAreas.add(area(f));
    }
    for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    for (const a of seenAreas) areaInclusive.set(a, (areaInclusive.get(a) ?? 0) + us);
  }
  const busyUs = sampledUs - idleUs;
  const shares = (m: Map<string, number>, n: number): Share[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / busyUs }));
  return {
    file,
    sampledMs: sampledUs / 1000,
    busyMs: busyUs / 1000,
    byArea: shares(areas, top),
    byAreaInclusive: shares(areaInclusive, top),
    byOwner: shares(owners, top),
    topSelf: shares(selfByKey, top),
    ownInclusive: shares(inclusive, top),
  };
}

export function formatProfile(label: string, s: ProfileSummary): string {
  const rows = (title: string, list: Share[]) =>
    list.length === 0
      ? `  ${title}: none`
      : [`  ${title}`, ...list.map((x) => `    ${x.percent.toFixed(1).padStart(5)}%  ${x.ms.toFixed(0).padStart(7)} ms  ${x.name}`)].join('\n');
  return [
    `${label}: ${s.file}`,
    `  sampled ${s.sampledMs.toFixed(0)} ms, busy (not idle) ${s.busyMs.toFixed(0)} ms; shares below are of busy time`,
    rows('by area (self time)', s.byArea),
    rows('by area, anywhere on the stack (packages and our folders; overlapping)', s.byAreaInclusive),
    rows('by owner (the nearest caller outside Node: whose call made Node do the work; writes, GC apart)', s.byOwner ?? []),
    rows('top functions (self time)', s.topSelf),
    rows('Switchboard functions (inclusive, synchronous stacks)', s.ownInclusive),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, root = process.cwd()] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [root]');
    process.exit(2);
  }
  console.log(formatProfile('profile', summarizeProfile(file, root, 25)));
}
