/**
 * What identifies a run in the tracking store: the spec hash of its Run IR combined with
 * the hash of its data split (DESIGN.md: "canonical Run IR + data split"). A finished run
 * with the same identity is reused instead of re-trained. The tag names are in
 * `runtime/tracking/run-tags.ts`.
 */
import { createHash } from 'node:crypto';

/** sha256(irSpecHash ":" splitHash), hex. */
export function runSpecHash(irSpecHash: string, splitHash: string): string {
  return createHash('sha256').update(`${irSpecHash}:${splitHash}`).digest('hex');
}

/** The hash of a sweep or repeat parent: its name and its children's IR hashes, in order. */
export function groupHash(name: string, childIrHashes: readonly string[]): string {
  return createHash('sha256').update(`${name}\n${childIrHashes.join('\n')}`).digest('hex');
}
