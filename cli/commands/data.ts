/**
 * `ablate data …`: dataset tools. `ablate data phantom` writes a phantom CT/MRI dataset
 * (NIfTI images + labels + manifest.json) that any experiment can then load as a NIfTI
 * dataset, or that a user can open in a viewer. `ablate data check` reads every case of a
 * NIfTI folder pair and lists every problem at once.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { generatePhantom, type PhantomSpec } from '../../runtime/data/phantom/generate.ts';
import type { PhantomAnatomy } from '../../runtime/data/phantom/anatomy.ts';
import { checkModality } from '../../runtime/data/check-dataset.ts';

const DEFAULTS: Record<PhantomAnatomy, { classes: string[]; spacing: [number, number, number] }> = {
  cardiac: { classes: ['LVM', 'LAC', 'LVC', 'AA'], spacing: [1.25, 1.25, 3] },
  // Paper Table 2 order: liver, right kidney, left kidney, spleen.
  abdominal: { classes: ['liver', 'R_kidney', 'L_kidney', 'spleen'], spacing: [1.5, 1.5, 8] },
};

function triple(what: string, integer: boolean) {
  return (text: string): [number, number, number] => {
    const parts = text.toLowerCase().split(/[x×,]/).map((p) => Number(p.trim()));
    if (parts.length !== 3 || parts.some((v) => !(v > 0) || (integer && !Number.isInteger(v)))) {
      throw new InvalidArgumentError(`${what} must be three ${integer ? 'positive integers' : 'positive numbers'} like ${integer ? '96x96x24' : '1.25x1.25x3'}`);
    }
    return parts as [number, number, number];
  };
}

function positiveInt(what: string) {
  return (text: string): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
    return v;
  };
}

function integer(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v)) throw new InvalidArgumentError('must be an integer');
  return v;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

interface PhantomOptions {
  anatomy: string;
  cases: number;
  size: [number, number, number];
  spacing?: [number, number, number];
  modalities: string[];
  classes?: string[];
  seed: number;
  out: string;
  quiet?: boolean;
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('dataset tools (phantom generator)');
  data
    .command('phantom')
    .description('write a phantom CT/MRI dataset as NIfTI images + labels + manifest.json')
    .requiredOption('--anatomy <name>', 'cardiac | abdominal')
    .requiredOption('--out <dir>', 'output folder (created; existing cases are overwritten)')
    .option('--cases <n>', 'cases per modality', positiveInt('--cases'), 12)
    .addOption(new Option('--size <XxYxZ>', 'voxels per case').argParser(triple('--size', true)).default([96, 96, 24], '96x96x24'))
    .option('--spacing <mm>', 'base voxel spacing in mm, jittered per case (default cardiac 1.25x1.25x3, abdominal 1.5x1.5x8)', triple('--spacing', false))
    .addOption(new Option('--modalities <list>', 'modality names (ct… renders CT, mr…/t1…/t2… MRI)').argParser(list).default(['ct', 'mri'], 'ct,mri'))
    .option('--classes <list>', 'class names in label order 1..Z (default cardiac LVM,LAC,LVC,AA; abdominal liver,R_kidney,L_kidney,spleen)', list)
    .option('--seed <n>', 'random seed', integer, 0)
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: PhantomOptions) => {
      if (opts.anatomy !== 'cardiac' && opts.anatomy !== 'abdominal') {
        throw new Error(`--anatomy must be cardiac or abdominal, not ${JSON.stringify(opts.anatomy)}`);
      }
      const anatomy: PhantomAnatomy = opts.anatomy;
      const classes = opts.classes ?? DEFAULTS[anatomy].classes;
      const spec: PhantomSpec = {
        anatomy,
        size: opts.size,
        spacing: opts.spacing ?? DEFAULTS[anatomy].spacing,
        seed: opts.seed,
        classes,
        modalities: opts.modalities.map((name) => ({ name, cases: opts.cases, labelValues: classes.map((_, i) => i + 1) })),
      };
      const out = resolve(opts.out);
      const start = performance.now();
      const manifest = await generatePhantom(spec, out);
      if (!opts.quiet) {
        const counts = Object.entries(manifest.modalities).map(([m, v]) => `${m}: ${v.cases.length}`).join(', ');
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        process.stdout.write(`wrote ${anatomy} phantom (${counts} cases, ${spec.size.join('×')} voxels, classes ${classes.map((c, i) => `${i + 1}=${c}`).join(' ')}) to ${out} in ${seconds} s\n`);
      }
    });

  data
    .command('check')
    .description('read every case of a NIfTI images/labels folder pair and report all problems (exit 1 if any)')
    .requiredOption('--images <dir>', 'images folder')
    .option('--labels <dir>', 'labels folder (default: the images folder; labels then need a _label/_seg/… suffix)')
    .requiredOption('--values <list>', 'stored label value of each class in order, e.g. 205,420,500,820', (t: string) => list(t).map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--values must be positive integers');
      return n;
    }))
    .option('--classes <list>', 'class names (for messages)', list)
    .option('--background <list>', 'extra stored values that mean background, e.g. 550,600,850', (t: string) => list(t).map(Number))
    .option('--json', 'print the report as JSON')
    .action(async (opts: { images: string; labels?: string; values: number[]; classes?: string[]; background?: number[]; json?: boolean }) => {
      const source = {
        modality: 'data',
        imagesDir: resolve(opts.images),
        labelsDir: resolve(opts.labels ?? opts.images),
        classes: opts.classes ?? opts.values.map((v) => `label_${v}`),
        labelValues: opts.values,
        spacing: null,
      };
      const report = await checkModality(source, { backgroundValues: opts.background });
      if (opts.json) {
        const errors = report.errors.map((e) => ({ code: e.code, subject: 'subject' in e ? e.subject : e.file, message: e.message }));
        process.stdout.write(`${JSON.stringify({ cases: report.cases, errors }, null, 2)}\n`);
      } else {
        for (const c of report.cases) {
          const voxels = c.classVoxels.slice(1).map((n, i) => `${source.classes[i]}=${n}`).join(' ');
          process.stdout.write(`ok   ${c.id}  ${c.dims.join('×')} @ ${c.spacing.map((s) => +s.toFixed(3)).join('×')} mm  ${voxels}\n`);
        }
        for (const e of report.errors) process.stdout.write(`FAIL ${e.message}\n`);
        process.stdout.write(`${report.cases.length} case(s) readable, ${report.errors.length} problem(s)\n`);
      }
      if (report.errors.length) process.exitCode = 1;
    });
}
