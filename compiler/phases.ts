/**
 * The compiler's phases, in the order they run. Like Langium's `DocumentState`, the
 * order is the value: a later phase only runs when every earlier one reported no error,
 * so a user sees the first layer of mistakes (syntax before types before domain rules)
 * and never a cascade of follow-up errors.
 */
export enum Phase {
  /** Every file (the entry file and its imports) is lexed and parsed into an AST. */
  Parsed = 1,
  /** Imports are loaded, declarations are indexed by name, references (`extends`, `from`, datasets) resolve, `extends` chains are merged. */
  Resolved = 2,
  /** Sweeps, repeats and `-s` overrides are expanded into concrete runs, one configuration each. */
  Expanded = 3,
  /** Keys, types, units and the domain rules of DESIGN.md hold for every concrete run, table and figure. */
  Checked = 4,
  /** Run IRs (and table IRs) are built, hashed and validated against their JSON Schemas. */
  Emitted = 5,
}

/** Phase name for messages and `--format json`. */
export function phaseName(phase: Phase): string {
  return Phase[phase].toLowerCase();
}
