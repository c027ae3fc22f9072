/**
 * Which dotted paths name something in a Run IR, read from the Run IR's JSON Schema
 * (schemas/run-ir.schema.ts), so a path is valid whether or not a given run sets it
 * (`loss.icr.tau` is a path even in a run whose `loss.icr` is null). Used by ablation
 * contracts (`differs [loss.mcr] from "Joint V3"`, check/contracts.ts).
 *
 * Segments may be written as in the language (`model.backbone.decoder_depths`) or as in
 * the IR (`decoderDepths`); list items by index (`model.backbone.depths.2`); maps keyed by
 * the user (`dataset.modalities.mri`, `data.split.annotated.ct`) take any key.
 */
import { runIrSchema } from '../schemas/run-ir.schema.ts';

type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const camel = (segment: string) => segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * IR paths that say where a run came from, not what it trains: `diffRunIrs` never compares
 * them (diff-ir.ts), so a contract cannot name them.
 */
export const IDENTITY_PATHS = ['name', 'experiment', 'origin', 'specHash', 'repeat.group'] as const;

/** The alternatives of a schema node (`oneOf` / `anyOf` branches, or the node itself). */
function branches(schema: Schema): Schema[] {
  const alts = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  return alts ? alts.filter(isSchema).flatMap(branches) : [schema];
}

/** The schema of `segment` inside `schema` and its IR spelling, or undefined. */
function child(schema: Schema, segment: string): { schema: Schema; name: string } | undefined {
  for (const branch of branches(schema)) {
    const props = isSchema(branch.properties) ? branch.properties : {};
    for (const name of [segment, camel(segment)]) {
      if (Object.hasOwn(props, name) && isSchema(props[name])) return { schema: props[name], name };
    }
    if (isSchema(branch.additionalProperties)) return { schema: branch.additionalProperties, name: segment };
    if (isSchema(branch.items) && /^\d+$/.test(segment)) return { schema: branch.items, name: segment };
  }
  return undefined;
}

/** The path in the IR's spelling (`model.backbone.decoderDepths`), or undefined when it names nothing in a Run IR. */
export function resolveIrPath(segments: readonly string[]): string | undefined {
  let schema: Schema = runIrSchema as unknown as Schema;
  const names: string[] = [];
  for (const segment of segments) {
    const next = child(schema, segment);
    if (!next) return undefined;
    schema = next.schema;
    names.push(next.name);
  }
  return names.length > 0 ? names.join('.') : undefined;
}

/** True when `path` is one of IDENTITY_PATHS or inside one. */
export function isIdentityPath(path: string): boolean {
  return IDENTITY_PATHS.some((p) => path === p || path.startsWith(`${p}.`));
}

let known: string[] | undefined;

/** Every fixed-name IR path (no map keys, no list indices), in the language's spelling, for "did you mean". */
export function knownIrPaths(): string[] {
  if (known) return known;
  const out: string[] = [];
  const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const walk = (schema: Schema, prefix: string[]) => {
    for (const branch of branches(schema)) {
      if (!isSchema(branch.properties)) continue;
      for (const [name, sub] of Object.entries(branch.properties)) {
        const path = [...prefix, snake(name)];
        const dotted = path.join('.');
        if (isIdentityPath([...prefix, name].join('.')) || out.includes(dotted)) continue;
        out.push(dotted);
        if (isSchema(sub)) walk(sub, path);
      }
    }
  };
  walk(runIrSchema as unknown as Schema, []);
  known = out;
  return out;
}
