/**
 * Type checking by decoding against the key schema: absent blocks, defaults, units,
 * scalars broadcast to dimensions, "did you mean" only when something is close.
 */
import { describe, expect, it } from 'vitest';
import { BASE, compileMarked, DATASET, where } from './fixtures.ts';

const run = (text: string) => compileMarked({ 'main.abl': DATASET + text });

describe('absent keys', () => {
  it('an absent block with required keys is reported once, as itself, at its parent', () => {
    const { result, dir, mark } = compileMarked({ 'main.abl': DATASET + BASE.replace('  data phantom {', '  «data phantom {').replace('    split { train: 60%, val: 20%, test: 20% }\n', '') });
    expect(result.diagnostics.map((d) => [d.code, d.message, where(d, dir)])).toEqual([['E034', 'missing required key `split` in `data`', `main.abl:${mark!.line}:${mark!.column}`]]);
  });

  it('a missing top-level block points at the declaration name', () => {
    const { result, dir, mark } = compileMarked({ 'main.abl': `${DATASET}experiment «e { data phantom { crop: 64 x 64, split { train: 60%, val: 20%, test: 20% } }, model { backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 } } }\n` });
    expect(result.diagnostics.map((d) => [d.code, d.message, where(d, dir)])).toEqual([['E034', 'missing required key `train`', `main.abl:${mark!.line}:${mark!.column}`]]);
  });

  it('an absent block without required keys takes its defaults', () => {
    const { result } = run(BASE);
    expect(result.runs[0]!.data.intensity).toEqual({ clipTop: 0, normalize: 'zscore' });
  });
});

describe('values', () => {
  it('a scalar patch or window is broadcast to every axis', () => {
    const ir = run(BASE).result.runs[0]!;
    expect(ir.model.backbone.patch).toEqual([2, 2]);
    expect(ir.model.backbone.window).toEqual([4, 4]);
  });

  it('mm is required for spacing and converted as written', () => {
    const ir = run(BASE.replace('crop: 64 x 64', 'crop: 64 x 64\n    spacing: 1.5 x 1.5 x 8 mm')).result.runs[0]!;
    expect(ir.data.spacing).toEqual([1.5, 1.5, 8]);
  });

  it('a fraction out of its range is worded in percent', () => {
    const d = run(BASE.replace('crop: 64 x 64', 'crop: 64 x 64\n    intensity { clip_top: 0.6 }')).result.diagnostics[0]!;
    expect([d.code, d.message, d.hint]).toEqual(['E033', '`data.intensity.clip_top` must be ≤ 50%, found 60%', 'use a value ≤ 50%']);
  });

  it('no suggestion when nothing is close', () => {
    const d = run(BASE.replace('epochs: 2,', 'epochs: 2, zzzzzz: 1,')).result.diagnostics[0]!;
    expect(d.code).toBe('E030');
    expect(d.hint).toBe('known keys: `epochs`, `steps_per_epoch`, `batch`, `optimizer`, `schedule`, `clip_grad_norm`, `seed`, `checkpoint_every`, `val_every`');
  });

  it('`none` turns an optional block off', () => {
    const ir = run(`${BASE}experiment off extends base { model.joint: v2, model.eam: none, loss { aux: none, mcr: none, icr: none } }\n`).result.runs.find((r) => r.name === 'off')!;
    expect([ir.model.eam, ir.loss.aux, ir.loss.mcr, ir.loss.icr, ir.model.classEmbedding]).toEqual([null, null, null, null, false]);
  });
});
