// Writes gateway.config.schema.json (JSON Schema of the gateway config, from the zod schema) so editors
// can complete and check the file. `npm run config:schema`; a test keeps the committed copy current.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { gatewayConfig } from '../lambdas/core/config/schema';

export function configJsonSchema(): string {
  const schema = z.toJSONSchema(gatewayConfig, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Switchboard gateway config' }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync('gateway.config.schema.json', configJsonSchema());
  console.log('wrote gateway.config.schema.json');
}
