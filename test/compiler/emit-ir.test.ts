/**
 * Run IR emission: equivalent sources give byte-identical IR and the same spec hash;
 * the hash is pinned for one fixed experiment; defaults of SYNTAX.md are filled;
 * key order is canonical; schema violations are mapped back to source lines.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../compiler/canonical-json.ts';
import { specHashOf } from '../../compiler/emit-ir.ts';
import { validateRunIr } from '../../compiler/validate-ir.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { BASE, compileMarked, DATASET, where } from './fixtures.ts';

function compileOne(text: string, name = 'base'): RunIR {
  const { result } = compileMarked({ 'main.abl': text });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const run = result.runs.find((r) => r.name === name);
  expect(run).toBeDefined();
  return run!;
}

const withoutIdentity = (ir: RunIR) => {
  const { name: _n, experiment: _e, origin: _o, ...rest } = ir;
  return rest;
};

describe('equivalent sources give the same IR and hash', () => {
  const reference = compileOne(DATASET + BASE);

  it('reordered keys and blocks', () => {
    const reordered = `${DATASET}experiment base {
  train { optimizer: adamw { lr: 1e-3 }, batch: 2, epochs: 2 }
  loss { icr: 0.1 { tau: 4 }, mcr: 0.1, aux: 0.4 }
  model {
    eam at decoder[1..3] { heads: 2 }
    joint: v3
    backbone swin_unet { window: 4, heads: [1, 2, 4, 8], embed: 16, patch: 2 }
  }
  data phantom {
    split { test: 20%, val: 20%, train: 60% }
    crop: 64 x 64
    modalities: [ct, mri]
  }
}
`;
    expect(canonicalJson(compileOne(reordered))).toBe(canonicalJson(reference));
  });

  it('other comments, dotted paths instead of blocks, fractions instead of percentages', () => {
    const rewritten = `// a different header comment
${DATASET}
/* the same experiment, written differently */
experiment base {
  data phantom { modalities: [ct, mri], crop: 64 x 64 }
  data.split.train: 0.6   // 60%
  data.split.val: 0.2
  data.split.test: 20%
  model.backbone swin_unet { patch: 2 x 2, embed: 16, heads: [1, 2, 4, 8], window: 4 x 4 }
  model.joint: v3
  model.eam at decoder[1..3] { heads: 2 }
  loss.aux: 0.4 * (ce + dice)
  loss.mcr: 0.1
  loss.icr: 0.1 { tau: 4 }
  train { epochs: 2, batch: 2, optimizer: adamw { lr: 0.001 } }
}
`;
    expect(canonicalJson(compileOne(rewritten))).toBe(canonicalJson(reference));
  });

  it('a value set in a base instead of the child (same hash; only name/experiment/origin differ)', () => {
    const split = `${DATASET}${BASE.replace('experiment base {', 'experiment parent {').replace('loss { aux: 0.4, mcr: 0.1, icr: 0.1 { tau: 4 } }', 'loss { aux: 0.4, mcr: 0.5, icr: 0.1 { tau: 2 } }')}
experiment base extends parent {
  loss.mcr: 0.1
  loss.icr.tau: 4
}
`;
    const child = compileOne(split);
    expect(child.specHash).toBe(reference.specHash);
    expect(canonicalJson(withoutIdentity(child))).toBe(canonicalJson(withoutIdentity(reference)));
  });

  it('defaults written out explicitly', () => {
    const explicit = DATASET + BASE.replace('joint: v3', 'joint: v3\n    keep_query_at_inference: false').replace('epochs: 2,', 'epochs: 2, seed: 1234, schedule: constant,');
    expect(compileOne(explicit).specHash).toBe(reference.specHash);
  });

  it('a consistency weight of 0 is the same run as no term at all', () => {
    const zero = compileOne(DATASET + BASE.replace('mcr: 0.1', 'mcr: 0'));
    const absent = compileOne(DATASET + BASE.replace('mcr: 0.1, ', ''));
    expect(zero.loss.mcr).toBeNull();
    expect(zero.specHash).toBe(absent.specHash);
    expect(zero.specHash).not.toBe(reference.specHash);
  });
});

describe('spec hash', () => {
  it('is pinned for one fixed small experiment', () => {
    // Golden value. Changing the Run IR format (a key, a default, the canonical form)
    // changes it on purpose: update it here and say so in the commit, because every
    // tracked run's hash changes with it and finished runs are no longer reused.
    expect(compileOne(DATASET + BASE).specHash).toBe('e41dbad88a93e0e26cdbaa440add14d70c9d971475c4550e91244fa25dfb54ef');
  });

  it('is sha256 of the canonical JSON without name, experiment, origin and specHash', () => {
    const ir = compileOne(DATASET + BASE);
    const { name: _n, experiment: _e, origin: _o, specHash: _h, ...spec } = ir;
    // Independent canonical form: JSON.stringify with sorted keys via a replacer.
    const sorted = JSON.stringify(spec, (_key, value) =>
      value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
    );
    expect(ir.specHash).toBe(createHash('sha256').update(sorted).digest('hex'));
    expect(specHashOf(ir)).toBe(ir.specHash);
  });

  it('changes with any setting', () => {
    const a = compileOne(DATASET + BASE);
    const b = compileOne(DATASET + BASE.replace('tau: 4', 'tau: 5'));
    expect(a.specHash).not.toBe(b.specHash);
  });
});

describe('IR content', () => {
  const ir = compileOne(DATASET + BASE);

  it('keys are in canonical (sorted) order at every level', () => {
    const check = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(check);
      if (value && typeof value === 'object') {
        const keys = Object.keys(value);
        expect(keys).toEqual([...keys].sort());
        Object.values(value).forEach(check);
      }
    };
    check(ir);
  });

  it('fills the defaults of SYNTAX.md and derives dims, channels and classes', () => {
    expect(ir.data.slices).toBe(3);
    expect(ir.data.dims).toBe(2);
    expect(ir.data.intensity).toEqual({ clipTop: 0, normalize: 'zscore' });
    expect(ir.data.split).toEqual({ train: 0.6, val: 0.2, test: 0.2, seed: 0, annotated: {} });
    expect(ir.model.inChannels).toBe(3);
    expect(ir.model.numClasses).toBe(5);
    expect(ir.model.classEmbedding).toBe(true);
    expect(ir.model.backbone).toMatchObject({ kind: 'swin_unet', dims: 2, patch: [2, 2], window: [4, 4], depths: [2, 2, 2, 2], decoderDepths: [2, 2, 2, 2], mlpRatio: 4, qkvBias: true, dropPath: 0.1 });
    expect(ir.loss).toEqual({ seg: { ce: 0.5, dice: 0.5 }, aux: { weight: 0.4, ce: 1, dice: 1 }, mcr: { weight: 0.1 }, icr: { weight: 0.1, tau: 4 } });
    expect(ir.train.optimizer).toEqual({ kind: 'adamw', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    expect(ir.train.schedule).toEqual({ kind: 'constant' });
    expect(ir.eval).toEqual({ metrics: ['dice', 'asd'], overlap: 0.5 });
    expect(ir.dataset.modalities.ct).toEqual({ images: '', labels: '', labelValues: [1, 2, 3, 4], backgroundValues: [], spacing: null, cases: 10 });
  });

  it('folds loss expressions into CE/Dice weights', () => {
    const folded = compileOne(DATASET + BASE.replace('loss { aux: 0.4,', 'loss { seg: (ce + 3 * dice) / 4, aux: 0.2 * ce + 0.4 * dice,'));
    expect(folded.loss.seg).toEqual({ ce: 0.25, dice: 0.75 });
    expect(folded.loss.aux).toEqual({ weight: 0.4, ce: 0.5, dice: 1 });
  });

  it('broadcasts one nnFormer window to every stage', () => {
    const threeD = compileOne(
      DATASET + BASE.replace('crop: 64 x 64', 'crop: 64 x 64 x 8').replace('backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }', 'backbone nnformer { patch: 4 x 4 x 1, embed: 16, heads: [1, 2, 4, 8], window: 2 x 2 x 1 }'),
    );
    expect(threeD.data.dims).toBe(3);
    expect(threeD.model.inChannels).toBe(1);
    expect(threeD.model.backbone.window).toEqual([[2, 2, 1], [2, 2, 1], [2, 2, 1], [2, 2, 1]]);
  });
});

describe('schema violations map back to the source (E080)', () => {
  it('reports the IR path at the location the source map gives', () => {
    const { result, dir } = compileMarked({ 'main.abl': DATASET + BASE });
    const ir = structuredClone(result.runs[0]!) as unknown as { train: { batch: number } };
    ir.train.batch = 0;
    const diagnostics = validateRunIr(ir, (path) => ({ node: { span: { file: `${dir}/main.abl`, start: { offset: 0, line: path === 'train.batch' ? 17 : 0, column: 2 }, end: { offset: 0, line: 17, column: 3 } } } }));
    expect(diagnostics.map((d) => [d.code, d.message, where(d, dir)])).toEqual([
      ['E080', 'internal: the emitted Run IR violates its schema at train.batch: must be >= 1', 'main.abl:18:3'],
    ]);
  });
});

describe('locate: IR path → source span (for run-time errors)', () => {
  it('points at the value that set an IR path, through renames and inheritance', () => {
    const { result, dir } = compileMarked({ 'main.abl': `${DATASET}${BASE}experiment child extends base {\n  model.eam.heads: 4\n}\n` });
    const at = (run: string, path: string) => {
      const span = result.locate(run, path)!;
      return `${span.file.slice(dir.length + 1)}:${span.start.line + 1}:${span.start.column + 1}`;
    };
    const text = result.sources.get(`${dir}/main.abl`)!.split('\n');
    const lineOf = (needle: string) => text.findIndex((l) => l.includes(needle)) + 1;
    expect(at('child', 'model.eam.heads')).toBe(`main.abl:${lineOf('model.eam.heads: 4')}:20`);
    expect(at('base', 'model.eam.heads')).toBe(`main.abl:${lineOf('{ heads: 2 }')}:${text[lineOf('{ heads: 2 }') - 1]!.indexOf('2 }') + 1}`);
    expect(at('child', 'model.backbone.decoderDepths')).toBe(at('child', 'model.backbone.decoder_depths'));
    expect(at('child', 'data.dims')).toBe(`main.abl:${lineOf('backbone swin_unet')}:${text[lineOf('backbone swin_unet') - 1]!.indexOf('swin_unet') + 1}`);
    expect(at('child', 'model.numClasses')).toBe(`main.abl:${lineOf('classes: [')}:${text[lineOf('classes: [') - 1]!.indexOf('[') + 1}`);
    expect(at('child', 'dataset.modalities.ct.cases')).toBe(`main.abl:${lineOf('ct { cases')}:${text[lineOf('ct { cases') - 1]!.indexOf('10') + 1}`);
    expect(result.locate('nope', 'data.crop')).toBeUndefined();
  });
});
