/**
 * Stops training on a NaN or infinite loss term, naming the term and where the spec
 * configured it, instead of letting the run silently diverge.
 */

export class NonFiniteLossError extends Error {
  constructor(
    readonly term: string,
    readonly value: number,
    readonly step: number,
    /** `file:line:col` of the DSL entry that configured the term, when known. */
    readonly location: string | undefined,
  ) {
    super(
      `loss term '${term}' became ${value} at step ${step}` +
        (location ? ` (configured at ${location})` : '') +
        `; lower the learning rate or this term's weight, or enable train.clip_grad_norm`,
    );
    this.name = 'NonFiniteLossError';
  }
}

/** The Run IR path that configures each logged loss term (for locating it in the source). */
export function irPathOfTerm(term: string): string {
  const root = term.split('/')[0]!;
  if (root === 'ce' || root === 'dice' || root === 'seg') return 'loss.seg';
  if (root === 'total') return 'loss';
  return `loss.${root}`;
}

/**
 * Throws `NonFiniteLossError` for the first non-finite term.
 * @param terms loss term name → value (e.g. `{ 'seg/ct': 0.7, icr: NaN }`)
 * @param locate maps a Run IR path (`loss.icr`) to `file:line:col`
 */
export function assertFiniteLosses(
  terms: Record<string, number>,
  step: number,
  locate?: (irPath: string) => string | undefined,
): void {
  // The named terms first: when one is NaN the total is too, and the term is what helps.
  const entries = Object.entries(terms).sort(([a], [b]) => Number(a === 'total') - Number(b === 'total'));
  for (const [term, value] of entries) {
    if (!Number.isFinite(value)) throw new NonFiniteLossError(term, value, step, locate?.(irPathOfTerm(term)));
  }
}
