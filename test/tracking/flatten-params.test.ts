import { describe, expect, it } from 'vitest';
import { flattenParams } from '../../runtime/tracking/flatten-params.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';

describe('flattenParams', () => {
  it('nests objects with dots and keeps scalar arrays as JSON', () => {
    const ir = {
      model: { backbone: { name: 'swin_unet', depths: [2, 2, 2, 2], window: 7 }, joint: 'v3' },
      loss: { icr: { tau: 4, weight: 0.1 }, mcr: null },
      train: { amp: false, seed: 1234 },
      empty: {},
      none: [],
      skipped: undefined,
    };
    expect(flattenParams(ir)).toEqual({
      params: {
        'model.backbone.name': 'swin_unet',
        'model.backbone.depths': '[2,2,2,2]',
        'model.backbone.window': '7',
        'model.joint': 'v3',
        'loss.icr.tau': '4',
        'loss.icr.weight': '0.1',
        'loss.mcr': 'null',
        'train.amp': 'false',
        'train.seed': '1234',
        empty: '{}',
        none: '[]',
      },
      longValues: [],
    });
  });

  it('indexes arrays that hold objects', () => {
    expect(flattenParams({ eam: [{ stage: 1, heads: 8 }, { stage: 2, heads: 4 }] }, { prefix: 'ir' }).params).toEqual({
      'ir.eam.0.stage': '1',
      'ir.eam.0.heads': '8',
      'ir.eam.1.stage': '2',
      'ir.eam.1.heads': '4',
    });
  });

  it('moves values over 500 code points to an artifact and says so in the param', () => {
    const at500 = 'a'.repeat(500);
    const over = 'b'.repeat(501);
    const astral = '😀'.repeat(500); // 1000 UTF-16 units, 500 code points: still a param
    const r = flattenParams({ x: { short: at500, long: over, astral } });
    expect(r.params).toEqual({ 'x.short': at500, 'x.long': '(see artifact params/x.long.txt)', 'x.astral': astral });
    expect(r.longValues).toEqual([{ key: 'x.long', artifactPath: 'params/x.long.txt', value: over }]);
    // A long scalar array goes the same way.
    const arr = Array.from({ length: 200 }, (_, i) => i);
    const r2 = flattenParams({ split: { cases: arr } }, { artifactDir: 'ir-params' });
    expect(r2.params['split.cases']).toBe('(see artifact ir-params/split.cases.txt)');
    expect(r2.longValues[0]!.value).toBe(JSON.stringify(arr));
  });

  it('rejects keys MLflow would reject, naming the IR path', () => {
    expect(() => flattenParams({ 'bad:key': 1 })).toThrow(/Run IR path 'bad:key'/);
    expect(() => flattenParams({ a: { 'b.c': 1 }, 'a.b': { c: 2 } })).toThrow(/collide on param key 'a.b.c'/);
    expect(() => flattenParams([1, 2])).toThrow(TrackingError);
  });
});
