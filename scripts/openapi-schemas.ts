// `npx tsx scripts/openapi-schemas.ts <openapi.json> <out.json> <Schema> […]`: the component schemas an answer
// must conform to, with every schema they reference, from a vendor's OpenAPI document, for the contract tests
// (test/contract). OpenAPI's `nullable: true` becomes JSON Schema's `type: [T, "null"]`, as it means.
import { readFileSync, writeFileSync } from 'node:fs';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const [input, output, ...roots] = process.argv.slice(2);
if (!input || !output || roots.length === 0) {
  console.error('usage: tsx scripts/openapi-schemas.ts <openapi.json> <out.json> <Schema> […]');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(input, 'utf8')) as { info: { version: string }; components: { schemas: Record<string, Json> } };
const all = doc.components.schemas;
const kept: Record<string, Json> = {};

function visit(value: Json): void {
  if (Array.isArray(value)) return value.forEach(visit);
  if (value === null || typeof value !== 'object') return;
  const ref = value.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) add(ref.slice('#/components/schemas/'.length));
  Object.values(value).forEach(visit);
}

function add(name: string): void {
  if (name in kept) return;
  const schema = all[name];
  if (schema === undefined) throw new Error(`no schema ${name}`);
  kept[name] = nullable(schema);
  visit(schema);
}

function nullable(value: Json): Json {
  if (Array.isArray(value)) return value.map(nullable);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'nullable') out[k] = nullable(v);
  if (value.nullable === true) {
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

roots.forEach(add);
writeFileSync(output, `${JSON.stringify({ source: `OpenAPI ${doc.info.version}`, components: { schemas: kept } }, null, 1)}\n`);
console.log(`${Object.keys(kept).length} schemas → ${output}`);
