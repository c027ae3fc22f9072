// Types of the validators `npm run schemas` precompiles into validators.generated.js.
import type { ValidateFunction } from 'ajv';

/** Validates a Run IR against schemas/run-ir.schema.ts. */
export const run: ValidateFunction;
/** Validates a Table IR against schemas/table-ir.schema.ts. */
export const table: ValidateFunction;
