/**
 * `npm run schemas`: writes the JSON Schema files from their TypeScript sources (the
 * single source of truth). test/compiler/schemas.test.ts fails when the committed JSON
 * differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { experimentDocumentSchema } from './experiment-document.schema.ts';
import { figureIrSchema } from './figure-ir.schema.ts';
import { runIrSchema } from './run-ir.schema.ts';
import { tableIrSchema } from './table-ir.schema.ts';

/** File name (in schemas/) → schema object. */
export const generatedSchemas: Record<string, unknown> = {
  'run-ir.schema.json': runIrSchema,
  'table-ir.schema.json': tableIrSchema,
  'figure-ir.schema.json': figureIrSchema,
  'experiment-document.schema.json': experimentDocumentSchema,
};

/** The text written for a schema (2-space JSON and a final newline). */
export function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [file, schema] of Object.entries(generatedSchemas)) {
    writeFileSync(new URL(file, import.meta.url), schemaText(schema));
    process.stdout.write(`wrote schemas/${file}\n`);
  }
}
