// Contract checks against an official OpenAPI document: the component schemas a test needs, extracted by
// scripts/openapi-schemas.ts into test/fixtures/openapi, validated with ajv (JSON Schema 2020-12, as OpenAPI 3.1).
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { expect } from 'vitest';

/** `conforms(schemaName, value)` for the schemas of one fixture file */
export function contract(fixture: string): (name: string, value: unknown) => void {
  const spec = JSON.parse(readFileSync(fixture, 'utf8')) as { components: { schemas: Record<string, object> } };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'doc', components: spec.components }, 'doc');
  return (name, value) => {
    const validate = ajv.getSchema(`doc#/components/schemas/${name}`);
    if (!validate) throw new Error(`${fixture} has no schema ${name}`);
    expect(validate(value), `${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 800)}`).toBe(true);
  };
}
