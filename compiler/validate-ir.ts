/**
 * Validates every IR against its JSON Schema (draft 2020-12, ajv) before it leaves the
 * compiler. A violation is a compiler bug or a value the checker let through; either
 * way it is reported like any other diagnostic, at the source of the offending value
 * (through the IR source map), never as a bare JSON pointer.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
// Precompiled by ajv from schemas/run-ir.schema.ts and table-ir.schema.ts (`npm run schemas`;
// a test keeps them in step): compiling at start-up cost ~250 ms of every `ablate check`.
import * as validators from '../schemas/validators.generated.js';
import { diagnostic, type Diagnostic, type Location } from './diagnostics.ts';

/** `/data/split/train` → `data.split.train`. */
export function dottedPointer(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function describeAjvError(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return `unexpected property \`${(error.params as { additionalProperty: string }).additionalProperty}\``;
  return error.message ?? error.keyword;
}

function check(validate: ValidateFunction, value: unknown, locate: (irPath: string) => Location): Diagnostic[] {
  if (validate(value)) return [];
  // oneOf failures repeat the same pointer once per branch; keep one diagnostic per path.
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of validate.errors ?? []) {
    const irPath = dottedPointer(error.instancePath);
    if (seen.has(irPath)) continue;
    seen.add(irPath);
    out.push(diagnostic({ code: 'E080', irPath: irPath || '(root)', problem: describeAjvError(error) }, locate(irPath)));
  }
  return out;
}

/** Diagnostics for a Run IR that violates `schemas/run-ir.schema.ts`; [] when valid. */
export function validateRunIr(ir: unknown, locate: (irPath: string) => Location): Diagnostic[] {
  return check(validators.run, ir, locate);
}

/** Diagnostics for a table IR that violates `schemas/table-ir.schema.ts`; [] when valid. */
export function validateTableIr(ir: unknown, locate: (irPath: string) => Location): Diagnostic[] {
  return check(validators.table, ir, locate);
}
