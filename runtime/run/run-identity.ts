/**
 * What identifies a run in the tracking store: the spec hash of its Run IR combined with
 * the hash of its data split (DESIGN.md: "canonical Run IR + data split") and the content
 * hash of the data it reads (runtime/data/data-hash.ts; the compiler never reads data, so
 * it enters here). A finished run with the same identity is reused instead of re-trained;
 * one whose data changed has another identity and is trained anew. The code version is
 * not part of it: a run made by another ablate version or commit is reused but marked
 * stale (runtime/tracking/provenance-tags.ts). The tag names are in
 * `runtime/tracking/run-tags.ts`.
 */
import { createHash } from 'node:crypto';

/** sha256(irSpecHash ":" splitHash ":" dataHash), hex. */
export function runSpecHash(irSpecHash: string, splitHash: string, dataHash: string): string {
  return createHash('sha256').update(`${irSpecHash}:${splitHash}:${dataHash}`).digest('hex');
}

/** The hash of a sweep or repeat parent: its name and its children's IR hashes, in order. */
export function groupHash(name: string, childIrHashes: readonly string[]): string {
  return createHash('sha256').update(`${name}\n${childIrHashes.join('\n')}`).digest('hex');
}
