/**
 * `ablate data …`: dataset tools. `ablate data phantom` writes a phantom CT/MRI dataset
 * (NIfTI images + labels + manifest.json, or with `--layout` a download-like MM-WHS, BTCV or
 * CHAOS folder). `ablate data import` turns a downloaded MM-WHS 2017, BTCV or CHAOS folder
 * into ablate's NIfTI + manifest form. `ablate data check` reads every case of a dataset
 * (an imported or phantom folder, a download folder, or a NIfTI folder pair) and lists every
 * problem at once.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import type { PhantomSpec } from '../../runtime/data/phantom/generate.ts';
import type { PhantomAnatomy } from '../../runtime/data/phantom/anatomy.ts';
import type { DatasetFolderCheck } from '../../runtime/data/import/check-folder.ts';
import type { PublishedDatasetKind } from '../../runtime/data/import/published-dataset.ts';
// The data tools (NIfTI, DICOM, PNG readers) are loaded by the subcommand that runs, not at start-up.

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
  anatomy?: string;
  cases: number;
  size: [number, number, number];
  spacing?: [number, number, number];
  modalities: string[];
  classes?: string[];
  seed: number;
  out: string;
  layout: string;
  quiet?: boolean;
}

const PUBLISHED = ['mmwhs', 'btcv', 'chaos'] as const;

function publishedKind(text: string): PublishedDatasetKind {
  if (!(PUBLISHED as readonly string[]).includes(text)) throw new InvalidArgumentError(`must be one of ${PUBLISHED.join(', ')}`);
  return text as PublishedDatasetKind;
}

function printFolderCheck(report: DatasetFolderCheck, json: boolean | undefined): void {
  if (json) {
    const problems = report.problems.map((e) => ({ code: e.code, subject: 'subject' in e ? e.subject : e.file, message: e.message }));
    process.stdout.write(`${JSON.stringify({ kind: report.kind, folder: report.folder, cases: report.cases, problems }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${report.folder}: ${report.kind}\n`);
  for (const c of report.cases) {
    process.stdout.write(`ok   ${c.modality} ${c.id}  ${c.dims.join('×')} @ ${c.spacing.map((v) => +v.toFixed(3)).join('×')} mm\n`);
  }
  for (const p of report.problems) process.stdout.write(`FAIL ${p.message}\n`);
  process.stdout.write(`${report.cases.length} case(s) readable, ${report.problems.length} problem(s)\n`);
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('dataset tools: import the paper\'s datasets, check a dataset, generate phantoms');
  data
    .command('phantom')
    .description('write a phantom CT/MRI dataset as NIfTI images + labels + manifest.json')
    .option('--anatomy <name>', 'cardiac | abdominal (required with --layout ablate)')
    .requiredOption('--out <dir>', 'output folder (created; existing cases are overwritten)')
    .option('--cases <n>', 'cases per modality', positiveInt('--cases'), 12)
    .addOption(new Option('--size <XxYxZ>', 'voxels per case').argParser(triple('--size', true)).default([96, 96, 24], '96x96x24'))
    .option('--spacing <mm>', 'base voxel spacing in mm, jittered per case (default cardiac 1.25x1.25x3, abdominal 1.5x1.5x8)', triple('--spacing', false))
    .addOption(new Option('--modalities <list>', 'modality names (ct… renders CT, mr…/t1…/t2… MRI)').argParser(list).default(['ct', 'mri'], 'ct,mri'))
    .option('--classes <list>', 'class names in label order 1..Z (default cardiac LVM,LAC,LVC,AA; abdominal liver,R_kidney,L_kidney,spleen)', list)
    .option('--seed <n>', 'random seed', integer, 0)
    .addOption(new Option('--layout <form>', "ablate: NIfTI + manifest; mmwhs | btcv | chaos: the dataset's download layout (CHAOS as DICOM series + PNG masks), to try `data import` on").choices(['ablate', ...PUBLISHED]).default('ablate'))
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: PhantomOptions) => {
      if (opts.layout !== 'ablate') {
        const kind = opts.layout as PublishedDatasetKind;
        const { writePublishedLayout } = await import('../../runtime/data/phantom/published-layout.ts');
        const truth = await writePublishedLayout(kind, resolve(opts.out), { cases: opts.cases, size: opts.size, seed: opts.seed });
        if (!opts.quiet) process.stdout.write(`wrote ${truth.length} phantom case(s) in the ${kind} download layout (${opts.size.join('×')} voxels) to ${resolve(opts.out)}\n`);
        return;
      }
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
      const { generatePhantom } = await import('../../runtime/data/phantom/generate.ts');
      const manifest = await generatePhantom(spec, out);
      if (!opts.quiet) {
        const counts = Object.entries(manifest.modalities).map(([m, v]) => `${m}: ${v.cases.length}`).join(', ');
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        process.stdout.write(`wrote ${anatomy} phantom (${counts} cases, ${spec.size.join('×')} voxels, classes ${classes.map((c, i) => `${i + 1}=${c}`).join(' ')}) to ${out} in ${seconds} s\n`);
      }
    });

  data
    .command('import')
    .description("read a downloaded MM-WHS 2017, BTCV or CHAOS folder in its published layout and write ablate's NIfTI + manifest form (all or nothing; exit 1 listing every problem)")
    .argument('<dataset>', 'mmwhs | btcv | chaos', publishedKind)
    .argument('<folder>', 'the download folder (see README, "Using the paper\'s datasets")')
    .requiredOption('--out <dir>', 'output folder (must not exist unless --force)')
    .option('--force', 'replace an existing output folder')
    .option('--quiet', 'print nothing but errors')
    .action(async (kind: PublishedDatasetKind, folder: string, opts: { out: string; force?: boolean; quiet?: boolean }) => {
      const start = performance.now();
      const onCase = opts.quiet ? undefined : (modality: string, id: string, ok: boolean) => process.stdout.write(`${ok ? 'read' : 'FAIL'} ${modality} ${id}\n`);
      const { importPublished } = await import('../../runtime/data/import/import-dataset.ts');
      const manifest = await importPublished(kind, resolve(folder), resolve(opts.out), { force: opts.force, onCase });
      if (!opts.quiet) {
        const counts = Object.entries(manifest.modalities).map(([m, v]) => `${m}: ${v.cases.length}`).join(', ');
        process.stdout.write(`imported ${manifest.title} (${counts} cases, classes ${manifest.classes.join(', ')}) to ${resolve(opts.out)} in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
      }
    });

  data
    .command('check')
    .description('read every case of a dataset and report all problems (exit 1 if any): an imported or phantom folder (manifest.json), a downloaded MM-WHS/BTCV/CHAOS folder, or a NIfTI images/labels pair (--images)')
    .argument('[folder]', 'dataset folder: imported (manifest.json) or as downloaded')
    .addOption(new Option('--dataset <kind>', 'read the folder as this download layout instead of detecting it').choices([...PUBLISHED]))
    .option('--images <dir>', 'images folder of a NIfTI folder pair')
    .option('--labels <dir>', 'labels folder (default: the images folder; labels then need a _label/_seg/… suffix)')
    .option('--values <list>', 'with --images: stored label value of each class in order, e.g. 205,420,500,820', (t: string) => list(t).map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--values must be positive integers');
      return n;
    }))
    .option('--classes <list>', 'class names (for messages)', list)
    .option('--background <list>', 'extra stored values that mean background, e.g. 550,600,850', (t: string) => list(t).map(Number))
    .option('--json', 'print the report as JSON')
    .action(async (folder: string | undefined, opts: { dataset?: PublishedDatasetKind; images?: string; labels?: string; values?: number[]; classes?: string[]; background?: number[]; json?: boolean }) => {
      if (folder !== undefined) {
        const { checkDatasetFolder } = await import('../../runtime/data/import/check-folder.ts');
        const report = await checkDatasetFolder(resolve(folder), opts.dataset);
        printFolderCheck(report, opts.json);
        if (report.problems.length) process.exitCode = 1;
        return;
      }
      if (!opts.images || !opts.values) throw new InvalidArgumentError('give a dataset folder, or --images DIR with --values (see ablate data check --help)');
      const source = {
        modality: 'data',
        imagesDir: resolve(opts.images),
        labelsDir: resolve(opts.labels ?? opts.images),
        classes: opts.classes ?? opts.values.map((v) => `label_${v}`),
        labelValues: opts.values,
        spacing: null,
      };
      const { checkModality } = await import('../../runtime/data/check-dataset.ts');
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
