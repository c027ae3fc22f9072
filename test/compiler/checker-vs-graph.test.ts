/**
 * The checker must catch at compile time what the model-graph builder (compiler/graph/)
 * would reject at run time: every configuration the checker accepts builds a graph.
 * Swept over a grid of crops, patches, windows, heads, depths and EAM placements, about
 * half of which the checker rejects (so the sweep exercises the rules, not just passes).
 */
import { describe, expect, it } from 'vitest';
import { graphOfRun } from '../../compiler/graph/build-graph.ts';
import { BASE, compileMarked, DATASET } from './fixtures.ts';

function variant(crop: number, patch: number, window: number, heads: string, depths: string, eam: string, eamHeads: number): string {
  return DATASET + BASE.replace('crop: 64 x 64', `crop: ${crop} x ${crop}`).replace(
    'backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }',
    `backbone swin_unet { patch: ${patch}, embed: 12, depths: ${depths}, heads: ${heads}, window: ${window} }`,
  ).replace('eam at decoder[1..3] { heads: 2 }', `eam at decoder[${eam}] { heads: ${eamHeads} }`);
}

describe('checker vs graph builder', () => {
  it('every configuration the checker accepts builds a model graph', () => {
    let accepted = 0;
    let rejected = 0;
    for (const crop of [48, 56, 64, 96])
      for (const patch of [2, 4])
        for (const window of [3, 4, 7, 8])
          for (const [depths, heads] of [['[2, 2, 2, 2]', '[1, 2, 4, 8]'], ['[2, 2, 2, 2]', '[3, 6, 12, 24]'], ['[2, 2, 2]', '[2, 4, 8]']] as const)
            for (const [eam, eamHeads] of [['1..2', 2], ['1..3', 4], ['2', 3]] as const) {
              const { result } = compileMarked({ 'main.abl': variant(crop, patch, window, heads, depths, eam, eamHeads) });
              let graphError: string | undefined;
              try {
                if (result.runs[0]) graphOfRun(result.runs[0]);
              } catch (error) {
                graphError = (error as Error).message;
              }
              const label = `crop ${crop} patch ${patch} window ${window} depths ${depths} heads ${heads} eam ${eam}/${eamHeads}: ${result.diagnostics.map((d) => d.code).join(',')}`;
              if (result.runs.length > 0) {
                accepted++;
                expect(graphError, label).toBeUndefined();
              } else {
                rejected++;
                expect(result.diagnostics.length, label).toBeGreaterThan(0);
              }
            }
    expect(accepted).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(20);
  });

  it('the same for nnFormer (3D, one window or one per stage)', () => {
    let accepted = 0;
    let rejected = 0;
    for (const crop of ['32 x 32 x 16', '64 x 64 x 8', '48 x 48 x 16'])
      for (const patch of ['4 x 4 x 2', '2 x 2 x 1'])
        for (const window of ['2 x 2 x 2', '4 x 4 x 2', '3 x 3 x 1', '[4 x 4 x 2, 4 x 4 x 2, 2 x 2 x 1, 1 x 1 x 1]'])
          for (const eamHeads of [2, 5]) {
            const text = DATASET + BASE.replace('crop: 64 x 64', `crop: ${crop}`).replace(
              'backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }',
              `backbone nnformer { patch: ${patch}, embed: 16, heads: [1, 2, 4, 8], window: ${window} }`,
            ).replace('{ heads: 2 }', `{ heads: ${eamHeads} }`);
            const { result } = compileMarked({ 'main.abl': text });
            const label = `crop ${crop} patch ${patch} window ${window} eam heads ${eamHeads}: ${result.diagnostics.map((d) => d.code).join(',')}`;
            if (result.runs[0]) {
              accepted++;
              expect(() => graphOfRun(result.runs[0]!), label).not.toThrow();
            } else {
              rejected++;
              expect(result.diagnostics.length, label).toBeGreaterThan(0);
            }
          }
    expect(accepted).toBeGreaterThan(5);
    expect(rejected).toBeGreaterThan(5);
  });
});
