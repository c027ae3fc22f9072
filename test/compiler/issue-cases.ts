/**
 * One failing fixture per issue code: the files, the code expected, and `«` at the
 * exact place the diagnostic must start. Shared by the per-code test and the golden
 * wording test.
 */
import { BASE, DATASET } from './fixtures.ts';
import type { CompileOptions } from '../../compiler/compile.ts';

export interface IssueCase {
  code: string;
  title: string;
  files: Record<string, string>;
  options?: CompileOptions & { entry?: string };
}

/** The base experiment with one substring replaced (the replacement carries the marker). */
const base = (from: string, to: string): string => {
  if (!BASE.includes(from)) throw new Error(`fixture: ${from} not in BASE`);
  return DATASET + BASE.replace(from, to);
};
const main = (text: string) => ({ 'main.abl': text });
/** A table of `base` and a row `more` (base with `loss.mcr: 0.2` and `extra`) written `row`. */
const contract = (row: string, extra = '') =>
  main(`${DATASET}${BASE}experiment more extends base { loss.mcr: 0.2${extra} }\ntable t {\n  rows {\n    "Ours": base\n    ${row}\n  }\n}\n`);

export const issueCases: IssueCase[] = [
  { code: 'E001', title: 'lexical error', files: main(base('joint: v3', 'joint: «#v3')) },
  { code: 'E002', title: 'syntax error', files: main(base('epochs: 2,', 'epochs: «: 2,')) },
  { code: 'E003', title: 'malformed number', files: main(base('lr: 1e-3', 'lr: «1e')) },
  { code: 'E010', title: 'import not found', files: main(`import «"missing.abl"\n${DATASET}`) },
  {
    code: 'E011',
    title: 'import cycle',
    files: { 'main.abl': `import "a.abl"\n${DATASET}`, 'a.abl': 'import «"main.abl"\n' },
  },
  { code: 'E012', title: 'duplicate name across files', files: { 'main.abl': `import "d.abl"\ndataset «phantom { classes: [A] }\n`, 'd.abl': DATASET } },
  { code: 'E013', title: 'unknown base', files: main(`${DATASET}${BASE}experiment child extends «bsae { }\n`) },
  { code: 'E014', title: 'unknown dataset', files: main(base('data phantom {', 'data «phantm {')) },
  { code: 'E015', title: 'extends cycle', files: main(`${DATASET}${BASE}experiment a extends b { }\nexperiment b extends «a { }\n`) },
  { code: 'E017', title: 'unknown figure sweep', files: main(`${DATASET}${BASE}figure f { sweep: «nope, x: loss.icr.tau }\n`) },
  {
    code: 'E020',
    title: 'zip axes of different lengths',
    files: main(`${DATASET}${BASE}sweep zip «s from base {\n  loss.icr.tau in [1, 2]\n  train.seed in [1, 2, 3]\n}\n`),
  },
  { code: 'E021', title: 'sweep axis is not a list', files: main(`${DATASET}${BASE}sweep s from base {\n  loss.icr.tau in «4\n}\n`) },
  { code: 'E022', title: 'empty range', files: main(`${DATASET}${BASE}sweep s from base {\n  loss.icr.tau in «8..1\n}\n`) },
  { code: 'E030', title: 'unknown key with a suggestion', files: main(base('epochs: 2,', '«epoch: 2,')) },
  { code: 'E031', title: 'wrong type', files: main(base('epochs: 2,', 'epochs: «"two",')) },
  { code: 'E032', title: 'count is not an integer', files: main(base('batch: 2,', 'batch: «2.5,')) },
  { code: 'E033', title: 'below the minimum', files: main(base('epochs: 2,', 'epochs: «0,')) },
  { code: 'E034', title: 'missing required key', files: main(base('train { epochs: 2, ', '«train { ')) },
  { code: 'E035', title: 'unknown enum value with a suggestion', files: main(base('joint: v3', 'joint: «v4')) },
  { code: 'E036', title: 'key set twice in one block', files: main(base('joint: v3', 'joint: v3\n    «joint: v2')) },
  { code: 'E037', title: 'wrong number of values', files: main(base('crop: 64 x 64', 'crop: «64 x 64 x 8 x 2')) },
  { code: 'E038', title: 'empty list', files: main(base('modalities: [ct, mri]', 'modalities: «[]')) },
  { code: 'E039', title: 'repeated item', files: main(base('modalities: [ct, mri]', 'modalities: [ct, «ct]')) },
  { code: 'E040', title: 'unit where none belongs', files: main(base('epochs: 2,', 'epochs: «2%,')) },
  { code: 'E041', title: 'spacing without mm', files: main(base('crop: 64 x 64', 'crop: 64 x 64\n    spacing: «1 x 1 x 2')) },
  { code: 'E042', title: 'fraction above 1 without %', files: main(base('train: 60%', 'train: «60')) },
  { code: 'E050', title: 'split does not sum to 100%', files: main(base('split { train: 60%', '«split { train: 70%')) },
  { code: 'E051', title: 'few-shot count exceeds the training cases', files: main(base('test: 20% }', 'test: 20%, annotated { mri: «7 } }')) },
  { code: 'E052', title: 'unknown modality', files: main(base('modalities: [ct, mri]', 'modalities: [ct, «mr]')) },
  { code: 'E053', title: 'EAM stage outside the decoder', files: main(base('eam at decoder[1..3]', 'eam at «decoder[1..4]')) },
  { code: 'E054', title: 'EAM heads do not divide the width', files: main(base('{ heads: 2 }', '{ heads: «3 }')) },
  { code: 'E055', title: 'Swin heads do not divide the stage width', files: main(base('heads: [1, 2, 4, 8]', 'heads: [1, 2, «3, 8]')) },
  { code: 'E056', title: 'window does not divide the token grid', files: main(base('window: 4 }', 'window: «3 }')) },
  { code: 'E057', title: '2D backbone with a 3D crop', files: main(base('crop: 64 x 64', 'crop: «64 x 64 x 8')) },
  { code: 'E058', title: 'consistency with one modality', files: main(base('modalities: [ct, mri]', 'modalities: [ct]').replace('joint: v3', 'joint: separate').replace('mcr: 0.1', 'mcr: «0.1').replace(', icr: 0.1 { tau: 4 }', '')) },
  { code: 'E059', title: 'consistency without EAMs', files: main(base('    eam at decoder[1..3] { heads: 2 }\n', '').replace('aux: 0.4, mcr: 0.1', 'mcr: «0.1').replace(', icr: 0.1 { tau: 4 }', '').replace('joint: v3', 'joint: v2')) },
  { code: 'E060', title: 'v3 without class embeddings', files: main(base('joint: v3', 'joint: v3\n    class_embedding: «false')) },
  {
    code: 'E061',
    title: 'label values do not match the classes',
    files: main(DATASET.replace('ct { cases: 10 }', 'ct { cases: 10, label_values: «[1, 2, 3] }') + BASE),
  },
  {
    code: 'E074',
    title: 'a background value is also a class value',
    files: main(DATASET.replace('ct { cases: 10 }', 'ct { cases: 10, background_values: [5, «3] }') + BASE),
  },
  { code: 'E062', title: 'τ not positive', files: main(base('tau: 4', 'tau: «0')) },
  { code: 'E063', title: 'negative weight', files: main(base('mcr: 0.1', 'mcr: «-0.1')) },
  { code: 'E064', title: 'heads list shorter than depths', files: main(base('heads: [1, 2, 4, 8]', 'heads: «[1, 2, 4]')) },
  {
    code: 'E065',
    title: 'table row names an unknown run',
    files: main(`${DATASET}${BASE}table t {\n  rows { "Ours": «bsae }\n  columns { metrics: [dice], modalities: [ct, mri] }\n}\n`),
  },
  {
    code: 'E066',
    title: 'paper values name an unknown class',
    files: main(`${DATASET}${BASE}table t {\n  rows { "Ours": base }\n  paper { "Ours" { ct { dice { «LV: 90.1 ± 1.0 } } } }\n}\n`),
  },
  { code: 'E067', title: 'aux without EAMs', files: main(base('    eam at decoder[1..3] { heads: 2 }\n', '').replace('loss { aux: 0.4, mcr: 0.1, icr: 0.1 { tau: 4 } }', 'loss { aux: «0.4 }').replace('joint: v3', 'joint: v2')) },
  { code: 'E068', title: 'repeat samples more cases than exist', files: main(`${DATASET}${BASE}repeat r from base {\n  times: 2\n  sample { mri: «12 }\n}\n`) },
  { code: 'E069', title: 'even number of slices in 2D', files: main(base('crop: 64 x 64', 'crop: 64 x 64\n    slices: «2')) },
  { code: 'E070', title: 'patch does not divide the crop', files: main(base('crop: 64 x 64', 'crop: «63 x 64')) },
  { code: 'E071', title: 'figure axis is not a sweep axis', files: main(`${DATASET}${BASE}sweep s from base { loss.icr.tau in 1..2 }\nfigure f { sweep: s, x: «loss.icr.weight }\n`) },
  { code: 'E072', title: 'EAMs without class embeddings', files: main(base('joint: v3', 'joint: v2\n    class_embedding: «false')) },
  { code: 'E073', title: 'split leaves no training case', files: main(DATASET.replace('mri { cases: 10 }', 'mri { cases: 2 }') + BASE.replace('split { train', '«split { train')) },
  { code: 'E120', title: 'repeat of a repeat', files: main(`${DATASET}${BASE}repeat r from base { times: 2 }\nrepeat rr from «r { times: 2 }\n`) },
  {
    code: 'E121',
    title: 'label-centred crop in a 3D run',
    files: main(
      DATASET +
        BASE.replace('crop: 64 x 64', 'crop: 64 x 64 x 16\n    crop_at: «label').replace(
          'backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }',
          'backbone nnformer { patch: 4 x 4 x 2, embed: 16, heads: [1, 2, 4, 8], window: [4 x 4 x 4, 4 x 4 x 4, 4 x 4 x 2, 2 x 2 x 1] }',
        ),
    ),
  },
  {
    code: 'E110',
    title: 'slice axis in a 3D run',
    files: main(
      DATASET +
        BASE.replace('crop: 64 x 64', 'crop: 64 x 64 x 16\n    slice_axis: «coronal').replace(
          'backbone swin_unet { patch: 2, embed: 16, heads: [1, 2, 4, 8], window: 4 }',
          'backbone nnformer { patch: 4 x 4 x 2, embed: 16, heads: [1, 2, 4, 8], window: [4 x 4 x 4, 4 x 4 x 4, 4 x 4 x 2, 2 x 2 x 1] }',
        ),
    ),
  },
  // launch blocks (compiler/check/launch-settings.ts): in no run's IR, checked like every key
  { code: 'E100', title: 'unknown scheduler', files: main(`${DATASET}${BASE}launch «slurn { partition: gpu }\n`) },
  { code: 'E101', title: 'two launch blocks in one file', files: main(`launch slurm { partition: gpu }\n${DATASET}${BASE}launch «slurm { time: 2h }\n`) },
  { code: 'E102', title: 'time string not in Slurm format', files: main(`${DATASET}${BASE}launch slurm { time: «"2 days" }\n`) },
  { code: 'E103', title: 'time not whole minutes', files: main(`${DATASET}${BASE}launch slurm { time: «90s }\n`) },
  { code: 'E104', title: 'memory not whole megabytes', files: main(`${DATASET}${BASE}launch slurm { mem: «0.5MB }\n`) },
  { code: 'E105', title: 'sbatch argument with its own key', files: main(`${DATASET}${BASE}launch slurm {\n  sbatch_args: ["--qos=long", «"--partition=gpu"]\n}\n`) },
  { code: 'E106', title: 'sbatch argument that is no option', files: main(`${DATASET}${BASE}launch slurm { sbatch_args: [«"account=lab"] }\n`) },
  { code: 'E107', title: 'duration without a unit', files: main(`${DATASET}${BASE}launch slurm { time: «2 }\n`) },
  { code: 'E111', title: 'in-plane resize smaller than the crop', files: main(DATASET + BASE.replace('crop: 64 x 64', 'crop: 64 x 64\n    resize: «48 x 64')) },
  { code: 'E122', title: 'figure over a repeat of an experiment', files: main(`${DATASET}${BASE}repeat r from base { times: 2 }\nfigure f { sweep: «r, x: loss.icr.tau }\n`) },
  {
    code: 'E123',
    title: 'figure reference names no experiment or repeat',
    files: main(`${DATASET}${BASE}sweep s from base { loss.icr.tau in 1..2 }\nfigure f { sweep: s, x: loss.icr.tau, references { "Base": «bsae } }\n`),
  },
  { code: 'E076', title: 'a row differs from its contract reference in a path it does not name', files: contract('«"More": more differs [loss.mcr] from "Ours"', ', train.epochs: 3') },
  { code: 'E077', title: 'a row does not differ in a path its contract names', files: contract('"More": more differs [loss.mcr, «train.batch] from "Ours"') },
  { code: 'E078', title: 'a contract names an unknown row', files: contract('"More": more differs [loss.mcr] from «"Our"') },
  { code: 'E079', title: 'a contract names a path that is not in the Run IR', files: contract('"More": more differs [«loss.mrc] from "Ours"') },
  { code: 'E125', title: 'a row compared with itself', files: contract('"More": more differs [loss.mcr] from «"More"') },
  { code: 'E126', title: 'a contract outside a table row', files: main(`${DATASET}${BASE}experiment more extends base { loss.mcr: 0.2 «differs [loss.mcr] from "Ours" }\n`) },
  { code: 'E127', title: 'a contract that names no path', files: contract('"More": more «differs [] from "Ours"') },
  { code: 'E128', title: 'a contract path inside another', files: contract('"More": more differs [loss, «loss.mcr] from "Ours"') },
  { code: 'E124', title: 'repeat samples a modality the run does not train', files: main(`${DATASET}${BASE}repeat r from base {\n  times: 2\n  sample { pet: «3 }\n}\n`) },
  {
    code: 'E075',
    title: 'two table rows train the same runs',
    files: main(`${DATASET}${BASE}experiment same extends base { loss.mcr: 0.1 }\ntable t {\n  rows {\n    "Ours": base\n    «"Ours again": same\n  }\n  columns { metrics: [dice], modalities: [ct, mri] }\n}\n`),
  },
  { code: 'E090', title: 'malformed -s override', files: main(DATASET + BASE), options: { overrides: ['loss.icr.tau'] } },
  // experiment (level 1) › train (2) › 62 parentheses (3..64) › the one that opens level 65
  { code: 'E004', title: 'nesting deeper than the limit', files: main(base('epochs: 2,', `epochs: ${'('.repeat(62)}«(2${')'.repeat(63)},`)) },
  { code: 'E023', title: 'range longer than the limit', files: main(`${DATASET}${BASE}sweep s from base {\n  loss.icr.tau in «1..100000\n}\n`) },
  { code: 'E024', title: 'sweep with more points than the limit', files: main(`${DATASET}${BASE}sweep «s from base {\n  loss.icr.tau in 1..200\n  train.seed in 1..100\n}\n`) },
  { code: 'E025', title: 'repeat with more draws than the limit', files: main(`${DATASET}${BASE}repeat r from base {\n  times: «65536\n}\n`) },
  { code: 'E043', title: 'number literal that overflows to Infinity', files: main(base('lr: 1e-3', 'lr: «1e999')) },
  { code: 'E044', title: 'count beyond its limit', files: main(base('epochs: 2,', 'epochs: «1e20,')) },
  {
    code: 'E045',
    title: 'negative standard deviation in paper values',
    files: main(`${DATASET}${BASE}table t {\n  rows { "Ours": base }\n  paper { "Ours" { ct { dice { LVM: 90.1 ± «-1.0 } } } }\n}\n`),
  },
  { code: 'E130', title: 'reserved name as a declaration name', files: main(`${DATASET}${BASE}experiment «__proto__ extends base { }\n`) },
];
