/**
 * YAML experiment documents go through the same resolver and checker as `.abl` files
 * and get the same diagnostics, located in the YAML file (inside quoted scalars too).
 */
import { describe, expect, it } from 'vitest';
import { parseYamlDocument } from '../../dsl/yaml-frontend.ts';
import { compileMarked, DATASET, where } from './fixtures.ts';

const doc = (experiment: string) => `import: [datasets.abl]
experiments:
  y:
${experiment}`;

const VALID = `    data:
      dataset: phantom
      crop: "64 x 64"
      split: { train: "60%", val: "20%", test: "20%" }
    model:
      backbone: { kind: swin_unet, patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }
      joint: v3
      eam: { at: "decoder[1..3]", heads: 2 }
    loss:
      aux: 0.4
      mcr: 0.1
      icr: { weight: 0.1, tau: 4 }
    train: { epochs: 2, batch: 2, optimizer: { kind: adamw, lr: 1e-3 } }
`;

const compileYaml = (yaml: string) => compileMarked({ 'main.yaml': yaml, 'datasets.abl': DATASET }, { entry: 'main.yaml' });

describe('YAML front end', () => {
  it('compiles a valid document to the same IR hash as the .abl form', () => {
    const yaml = compileYaml(doc(VALID));
    expect(yaml.result.diagnostics).toEqual([]);
    const abl = compileMarked({
      'main.abl': `${DATASET}experiment y {
  data phantom { crop: 64 x 64, split { train: 60%, val: 20%, test: 20% } }
  model { backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }, joint: v3, eam at decoder[1..3] { heads: 2 } }
  loss { aux: 0.4, mcr: 0.1, icr: 0.1 { tau: 4 } }
  train { epochs: 2, batch: 2, optimizer: adamw { lr: 1e-3 } }
}
`,
    });
    expect(abl.result.diagnostics).toEqual([]);
    expect(yaml.result.runs[0]!.specHash).toBe(abl.result.runs[0]!.specHash);
  });

  const cases: [string, string, string, string][] = [
    ['unknown key with a suggestion', 'eam: {', 'eam: { «haeds: 2, ', 'E030'],
    ['a unit inside a quoted scalar', 'train: "60%"', 'train: "«60mm"', 'E040'],
    ['a domain rule', 'tau: 4', 'tau: «0', 'E062'],
    ['an enum value', 'joint: v3', 'joint: «v9', 'E035'],
    ['a dotted key', '    loss:\n', '    loss.icr.«tua: 3\n    loss:\n', 'E030'],
  ];
  for (const [title, from, to, code] of cases) {
    it(`${code}: ${title}, located in the YAML file`, () => {
      const source = doc(VALID.replace(from, to));
      const { result, mark, dir } = compileYaml(source);
      expect(result.diagnostics.map((d) => [d.code, where(d, dir)])).toEqual([[code, `main.yaml:${mark!.line}:${mark!.column}`]]);
    });
  }

  it('sweeps, repeats and tables: axes as lists or "a..b" ranges, zip mode, fixed `set` entries', () => {
    const source = `${doc(VALID)}sweeps:
  s:
    from: y
    set: { loss.mcr: 0 }
    axes: { loss.icr.tau: "1..3" }
  z:
    from: y
    mode: zip
    axes:
      train.seed: [1, 2]
      model.joint: [v2, v3]
repeats:
  r: { from: y, times: 2, sample: { mri: 5 }, pool: true }
tables:
  t:
    title: "A table"
    rows: { "Ours": y, "Pooled": r }
    paper: { "Ours": { ct: { dice: { LVM: "90.9 ± 1.5", mean: 94.0 } }, overall: { dice: 91.4 } } }
`;
    const { result } = compileYaml(source);
    expect(result.diagnostics).toEqual([]);
    expect(result.runs.map((r) => r.name)).toEqual([
      'y',
      's[loss.icr.tau=1]',
      's[loss.icr.tau=2]',
      's[loss.icr.tau=3]',
      'z[train.seed=1,model.joint=v2]',
      'z[train.seed=2,model.joint=v3]',
      'r#0',
      'r#1',
    ]);
    expect(result.runs[1]!.loss.mcr).toBeNull();
    const table = result.tables[0]!;
    expect(table.title).toBe('A table');
    expect(table.paper).toEqual([
      {
        row: 'Ours',
        cells: [
          { modality: 'ct', metric: 'dice', class: 'LVM', mean: 90.9, std: 1.5 },
          { modality: 'ct', metric: 'dice', class: 'mean', mean: 94, std: null },
        ],
        overall: [{ metric: 'dice', mean: 91.4, std: null }],
      },
    ]);
  });

  it('JSON documents are read by the same front end, with locations', () => {
    const json = JSON.stringify({ import: 'datasets.abl', experiments: { j: { extends: null, data: { dataset: 'phantom', crop: '64 x 64', split: { train: '60%', val: '20%', test: '20%' } }, model: { backbone: { kind: 'swin_unet', patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }, joint: 'v2' }, train: { epochs: 0, batch: 2, optimizer: { kind: 'adamw', lr: 0.001 } } } } }, null, 2);
    const { result, dir } = compileMarked({ 'main.json': json, 'datasets.abl': DATASET }, { entry: 'main.json' });
    const line = json.split('\n').findIndex((l) => l.includes('"epochs"')) + 1;
    expect(result.diagnostics.map((d) => [d.code, where(d, dir)])).toEqual([['E033', `main.json:${line}:19`]]);
  });

  it('YAML syntax and structure errors are E002 with a location', () => {
    const { diagnostics } = parseYamlDocument('experiments:\n  y: [1, 2\n', 'bad.yaml');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every((d) => d.code === 'E002')).toBe(true);
    const unknown = parseYamlDocument('experimnts: {}\n', 'bad.yaml');
    expect(unknown.diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column])).toEqual([['E002', 0, 0]]);
  });

  it('path-like strings stay strings; expressions become expressions', () => {
    const { ast } = parseYamlDocument('datasets:\n  d:\n    source: { kind: nifti, root: ../data }\n    modalities: { ct: { images: ct/images } }\n    classes: [A]\n', 'd.yaml');
    const decl = ast.decls[0]!;
    const modalities = decl.body.entries.find((e) => e.path[0]!.name === 'modalities')!.value;
    const images = modalities.kind === 'Object' ? modalities.entries[0]!.value : undefined;
    const value = images?.kind === 'Object' ? images.entries[0]!.value : undefined;
    expect(value).toMatchObject({ kind: 'String', value: 'ct/images' });
  });
});
