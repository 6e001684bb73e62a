// Which region owns which item. A multi-region deployment keeps its tables as DynamoDB global tables, replicated
// to every region with last-writer-wins per item: two regions updating one item within the replication lag lose
// one of the updates (an ADD vanishes). So every item that is updated on the request path — rate-limit windows,
// budget periods with their leases and alert marks, ledger entries — belongs to one region, the only one that
// writes it:
//   - the primary region (the first of REGIONS) keeps the keys a single-region deployment has always had, so a
//     single-region deployment is unchanged and items written before a region was added stay the primary's;
//   - every other region appends `#R#<region>` to the sort key.
// What must hold across regions (usage, budgets, rate limits) is read from every region's item of a period or
// window with one Query on the key prefix, which also finds the items of a region since removed.

export interface RegionScope {
  /** the region this process writes for (AWS_REGION) */
  readonly own: string;
  /** the deployment's regions, the primary first; [own] for a single region */
  readonly all: readonly string[];
}

const REGION_MARK = '#R#';

export function singleRegion(region = 'local'): RegionScope {
  return { own: region, all: [region] };
}

/** other regions may hold items of their own that totals must include */
export function isMultiRegion(scope: RegionScope): boolean {
  return scope.all.length > 1;
}

/** what this region appends to the sort keys of the items it owns: nothing for the primary */
export function regionSuffix(scope: RegionScope): string {
  return scope.own === scope.all[0] ? '' : `${REGION_MARK}${scope.own}`;
}

/** a sort key without its region suffix, and the region that owns the item */
export function splitRegion(sk: string, scope: RegionScope): { base: string; region: string } {
  const at = sk.indexOf(REGION_MARK);
  return at < 0 ? { base: sk, region: scope.all[0]! } : { base: sk.slice(0, at), region: sk.slice(at + REGION_MARK.length) };
}
