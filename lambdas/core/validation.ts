// zod issues as a person reads them: a JSON path into their own document, and for a union the branch
// that got furthest (so "messages[0].content[0].image_url.url", not just "messages[0].content").
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** `providers[0].baseUrl` style paths. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** The most specific issue inside an issue: unions are unwrapped into the branch that matched furthest. */
export function specificIssue(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    let best: { path: PropertyKey[]; message: string } | undefined;
    for (const branch of issue.errors) {
      for (const inner of branch) {
        const candidate = specificIssue(inner);
        if (!best || candidate.path.length > best.path.length) best = candidate;
      }
    }
    // a branch that failed at its very root (a wrong type) says less than the union itself
    if (best && best.path.length > 0) return { path: [...issue.path, ...best.path], message: best.message };
  }
  return { path: [...issue.path], message: issue.message };
}

export function describeIssue(issue: Issue): { param: string; message: string } {
  const { path, message } = specificIssue(issue);
  return { param: jsonPath(path), message };
}
