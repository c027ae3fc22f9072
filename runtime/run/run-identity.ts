/**
 * What identifies a run in the tracking store: the spec hash of its Run IR combined with
 * the hash of its data split (DESIGN.md: "canonical Run IR + data split"). A finished run
 * with the same identity is reused instead of re-trained.
 */
import { createHash } from 'node:crypto';

/** MLflow tag keys ablate writes on every run. */
export const TAGS = {
  specHash: 'ablate.specHash',
  irHash: 'ablate.irHash',
  splitHash: 'ablate.splitHash',
  run: 'ablate.run',
  experiment: 'ablate.experiment',
  source: 'ablate.source',
  backend: 'ablate.backend',
  version: 'ablate.version',
  phantom: 'ablate.phantom',
  group: 'ablate.group',
  groupKind: 'ablate.groupKind',
  groupHash: 'ablate.groupHash',
} as const;

/** sha256(irSpecHash ":" splitHash), hex. */
export function runSpecHash(irSpecHash: string, splitHash: string): string {
  return createHash('sha256').update(`${irSpecHash}:${splitHash}`).digest('hex');
}

/** The hash of a sweep or repeat parent: its name and its children's IR hashes, in order. */
export function groupHash(name: string, childIrHashes: readonly string[]): string {
  return createHash('sha256').update(`${name}\n${childIrHashes.join('\n')}`).digest('hex');
}
