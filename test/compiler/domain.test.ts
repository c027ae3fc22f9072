/**
 * Domain rules at their boundaries: what must pass passes (no false positives), and
 * the first value past the boundary fails with the rule's code. Expected values are
 * worked out by hand from the rule (grid = crop / patch / 2^(i-1), EAM width = C·2^(S-1-λ)).
 */
import { describe, expect, it } from 'vitest';
import { trainCaseCount } from '../../compiler/check/domain.ts';
import { splitCounts } from '../../runtime/data/split.ts';
import { BASE, compileMarked, DATASET } from './fixtures.ts';

const codes = (text: string) => compileMarked({ 'main.abl': DATASET + text }).result.diagnostics.map((d) => d.code);

describe('window divides the token grid', () => {
  it('a window at least as large as a late-stage grid covers it (Swin clips the window)', () => {
    // crop 64, patch 2: grids 32, 16, 8, 4; window 8 divides 32, 16, 8 and covers 4.
    expect(codes(BASE.replace('window: 4 }', 'window: 8 }'))).toEqual([]);
  });
  it('a window that neither divides nor covers a grid fails', () => {
    // window 6: 32 % 6 ≠ 0 at stage 1.
    expect(codes(BASE.replace('window: 4 }', 'window: 6 }'))).toEqual(['E056']);
  });
  it('a grid that stops being whole fails as a crop that is not a multiple of patch × 2^(S-1) (crop 36, patch 2: 18, 9, 4.5)', () => {
    expect(codes(BASE.replace('crop: 64 x 64', 'crop: 36 x 36').replace('window: 4 }', 'window: 9 }'))).toEqual(['E070']);
    expect(codes(BASE.replace('crop: 64 x 64', 'crop: 48 x 48').replace('window: 4 }', 'window: 3 }'))).toEqual([]);
  });
  it('nnFormer takes one window per stage', () => {
    const threeD = BASE.replace('crop: 64 x 64', 'crop: 64 x 64 x 16').replace(
      'backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }',
      'backbone nnformer { patch: 4 x 4 x 2, embed: 16, heads: [1, 2, 4, 8], window: [4 x 4 x 4, 4 x 4 x 4, 4 x 4 x 2, 2 x 2 x 1] }',
    );
    // grids 16x16x8, 8x8x4, 4x4x2, 2x2x1: every window divides.
    expect(codes(threeD)).toEqual([]);
    // stage 2: grid 8 x 8 x 4, window 3 x 4 x 4: 8 % 3 ≠ 0 and 3 < 8.
    expect(codes(threeD.replace('[4 x 4 x 4, 4 x 4 x 4,', '[4 x 4 x 4, 3 x 4 x 4,'))).toEqual(['E056']);
    expect(codes(threeD.replace(', 2 x 2 x 1]', ']'))).toEqual(['E064']);
  });
});

describe('stage lists', () => {
  it('decoder_depths has one value per stage, or one per stage but the bottleneck', () => {
    expect(codes(BASE.replace('heads: [1, 2, 4, 8]', 'decoder_depths: [2, 2, 2, 2], heads: [1, 2, 4, 8]'))).toEqual([]);
    expect(codes(BASE.replace('heads: [1, 2, 4, 8]', 'decoder_depths: [2, 2, 2], heads: [1, 2, 4, 8]'))).toEqual([]);
    expect(codes(BASE.replace('heads: [1, 2, 4, 8]', 'decoder_depths: [2, 2], heads: [1, 2, 4, 8]'))).toEqual(['E064']);
  });
});

describe('EAM placement and heads', () => {
  it('a 3-stage backbone has 2 decoder scales; widths 2C then C', () => {
    const three = BASE.replace('heads: [1, 2, 4, 8], window: 4 }', 'depths: [2, 2, 2], heads: [1, 2, 4], window: 4 }');
    expect(codes(three)).toEqual(['E053']);
    // decoder[1..2] with heads 32: width at scale 1 is 16 · 2^(3-1-1) = 32, at scale 2 is 16.
    const placed = three.replace('decoder[1..3] { heads: 2 }', 'decoder[1..2] { heads: 16 }');
    expect(codes(placed)).toEqual([]);
    expect(codes(placed.replace('heads: 16 }', 'heads: 32 }'))).toEqual(['E054']);
  });
});

describe('split and few-shot', () => {
  it('70% + 10% + 20% sums to 100% despite float rounding', () => {
    expect(codes(BASE.replace('train: 60%, val: 20%, test: 20%', 'train: 70%, val: 10%, test: 20%'))).toEqual([]);
  });
  it('counts training cases exactly as the runtime splitter does', () => {
    for (let n = 2; n <= 40; n++) {
      for (const [val, test] of [[0.1, 0.2], [0.2, 0.2], [0.25, 0.25], [0, 0.2], [0.15, 0.15], [0.05, 0.05]] as const) {
        const runtime = (() => {
          try {
            return splitCounts(n, { train: 1 - val - test, val, test }).train;
          } catch {
            return 0; // the runtime refuses a split without training cases
          }
        })();
        expect(Math.max(trainCaseCount(n, { val, test }), 0), `n=${n} val=${val} test=${test}`).toBe(runtime);
      }
    }
  });

  it('annotated cases up to the training cases are feasible (10 cases, 20%/20%: 6)', () => {
    expect(codes(BASE.replace('test: 20% }', 'test: 20%, annotated { mri: 6 } }'))).toEqual([]);
    expect(codes(BASE.replace('test: 20% }', 'test: 20%, annotated { mri: 7 } }'))).toEqual(['E051']);
  });
  it('annotated counts of NIfTI datasets (case count unknown) are not judged', () => {
    const nifti = `dataset n { source: nifti { root: "data" }, classes: [LVM, LAC, LVC, AA], modalities { ct { images: "i", labels: "l" }, mri { images: "i", labels: "l" } } }\n`;
    const text = nifti + BASE.replace('data phantom {', 'data n {').replace('test: 20% }', 'test: 20%, annotated { mri: 100 } }');
    expect(compileMarked({ 'main.abl': text }).result.diagnostics.map((d) => d.code)).toEqual([]);
  });
});

describe('consistency and joint training', () => {
  it('separate training with one modality and no consistency terms is fine', () => {
    const single = BASE.replace('modalities: [ct, mri]', 'modalities: [ct]').replace('joint: v3', 'joint: separate').replace('loss { aux: 0.4, mcr: 0.1, icr: 0.1 { tau: 4 } }', 'loss { aux: 0.4 }');
    expect(codes(single)).toEqual([]);
    expect(codes(single.replace('joint: separate', 'joint: v2'))).toEqual(['E058']);
  });
  it('turning a term off with weight 0 removes its requirements', () => {
    const noEam = BASE.replace('    eam at decoder[1..3] { heads: 2 }\n', '').replace('joint: v3', 'joint: v2');
    expect(codes(noEam.replace('loss { aux: 0.4, mcr: 0.1, icr: 0.1 { tau: 4 } }', 'loss { aux: 0, mcr: 0, icr: 0 }'))).toEqual([]);
  });
});

describe('tables', () => {
  it('tolerance names known metrics only', () => {
    const table = (tolerance: string) => `${BASE}table t { rows { "Ours": base }, tolerance { ${tolerance} } }\n`;
    expect(codes(table('dice: 2.0, asd: 0.5'))).toEqual([]);
    expect(codes(table('dcie: 2.0'))).toEqual(['E030']);
    const { result } = compileMarked({ 'main.abl': DATASET + table('asd: 0.5') });
    expect(result.tables[0]!.tolerance).toEqual({ asd: 0.5 });
  });

  it('columns name modalities the rows train', () => {
    const table = (modalities: string) => `${BASE}table t { rows { "Ours": base }, columns { modalities: [${modalities}] } }\n`;
    expect(codes(table('ct, mri'))).toEqual([]);
    expect(codes(table('ct, mr'))).toEqual(['E066']);
  });
});

describe('datasets', () => {
  it('a dataset has at least one modality', () => {
    const empty = `dataset d { source: phantom { anatomy: cardiac, size: 8 x 8 x 8 }, classes: [A], modalities { } }\n`;
    const { result } = compileMarked({ 'main.abl': empty });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([['E038', '`modalities` is empty']]);
  });
});
