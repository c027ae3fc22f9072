/**
 * `ablate score <pred> <label>`: Dice, ASD and HD95 per class for any pair of NIfTI label
 * volumes, with ablate's metric conventions (runtime/metrics/score.ts). Spacing comes from
 * the label's header; the two files must share a voxel grid (shape and affine).
 */
import { Command, InvalidArgumentError } from 'commander';
// The NIfTI reader and the metrics are loaded when the command runs, not at start-up.
import type { NiftiError, Volume } from '../../runtime/data/nifti.ts';
import type { Reduction } from '../../runtime/metrics/reduce.ts';
import type { ClassSpec, VolumeScore } from '../../runtime/metrics/score.ts';

interface ScoreCliOptions {
  labels?: LabelArg[];
  classes?: string[];
  json?: boolean;
  includeBackground?: boolean;
}

/** One `--labels` entry: a label value, optionally named (`205=LVM`). */
interface LabelArg {
  value: number;
  name?: string;
}

function parseLabels(text: string): LabelArg[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [v, name] = entry.split('=').map((s) => s.trim());
      const value = Number(v);
      if (!Number.isInteger(value) || (name !== undefined && name === '')) {
        throw new InvalidArgumentError(`"${entry}" is not a label value; write integers like 205,420 or named values like 205=LVM,420=LAC`);
      }
      return name === undefined ? { value } : { value, name };
    });
}

function parseNames(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Class list from `--labels` / `--classes`: names pair with values in order; names alone mean values 1..N. */
function classList(opts: ScoreCliOptions): ClassSpec[] | undefined {
  const { labels, classes } = opts;
  if (labels && classes && classes.length !== labels.length) {
    throw new InvalidArgumentError(`--classes names ${classes.length} classes but --labels lists ${labels.length} values; give one name per value`);
  }
  if (labels) return labels.map((l, i) => ({ value: l.value, name: classes?.[i] ?? l.name ?? String(l.value) }));
  if (classes) return classes.map((name, i) => ({ name, value: i + 1 }));
  return undefined;
}

/** More distinct values than this, without --labels, means an image was passed, not a label map. */
const MAX_IMPLICIT_CLASSES = 255;

/** Refuses probability maps and other non-label volumes. */
function checkLabelMap(v: Volume, file: string, classesGiven: boolean, Invalid: typeof NiftiError): void {
  const distinct = new Set<number>();
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (!Number.isInteger(x)) {
      throw new Invalid('invalid-volume', file, `holds non-integer value ${x} at voxel ${i}; a label map is expected`, 'pass the arg-max label map, not probabilities or an image');
    }
    if (!classesGiven && distinct.size <= MAX_IMPLICIT_CLASSES) distinct.add(x);
  }
  if (distinct.size > MAX_IMPLICIT_CLASSES) {
    throw new Invalid('invalid-volume', file, `holds more than ${MAX_IMPLICIT_CLASSES} distinct values; it looks like an image, not a label map`, 'pass a label map, or name the classes to score with --labels');
  }
}

/** At most `n` values, then "…". */
function listSome(values: number[], n = 10): string {
  return values.length > n ? `${values.slice(0, n).join(', ')}, … (${values.length} in all)` : values.join(', ');
}

function fmt(x: number, digits: number): string {
  return Number.isNaN(x) ? '—' : x.toFixed(digits);
}

function fmtMean(r: Reduction, scale: number, digits: number): string {
  if (r.count === 0) return '—';
  const s = `${(r.mean * scale).toFixed(digits)} ± ${(r.std * scale).toFixed(digits)}`;
  return r.count < r.total ? `${s} (${r.count}/${r.total})` : s;
}

function renderTable(score: VolumeScore, predPath: string, labelPath: string, label: Volume): string {
  const rows: string[][] = [['class', 'value', 'Dice %', 'ASD mm', 'HD95 mm']];
  for (const c of score.classes) rows.push([c.name, String(c.value), fmt(c.dice * 100, 2), fmt(c.asd, 3), fmt(c.hd95, 3)]);
  rows.push(['mean', '', fmtMean(score.mean.dice, 100, 2), fmtMean(score.mean.asd, 1, 3), fmtMean(score.mean.hd95, 1, 3)]);
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ').trimEnd();
  const out = [
    `prediction: ${predPath}`,
    `reference:  ${labelPath} (${label.dims.join('×')} voxels, spacing ${label.spacing.map((s) => +s.toFixed(4)).join(' × ')} mm)`,
    '',
    line(rows[0]!),
    ...rows.slice(1, -1).map(line),
    widths.map((w) => '-'.repeat(w)).join('  '),
    line(rows[rows.length - 1]!),
  ];
  const missing = score.classes.filter((c) => Number.isNaN(c.dice) || Number.isNaN(c.asd));
  if (missing.length > 0) {
    out.push('', '— = missing (not 0): Dice when the class is absent from both volumes; ASD/HD95 when it is absent from either.');
    out.push('Means skip missing values; (n/N) counts the classes that have one.');
  }
  out.push('', 'ASD: pooled mean of both directed surface distances; HD95: max of the two directed 95th percentiles (MONAI).');
  return out.join('\n') + '\n';
}

/** NaN → null so the JSON is valid. */
function nanToNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Adds `ablate score` to `program`. */
export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('Dice, ASD and HD95 (mm) per class of a predicted label volume against a reference')
    .argument('<pred>', 'predicted label volume (.nii or .nii.gz)')
    .argument('<label>', 'reference label volume (.nii or .nii.gz); its header gives the spacing')
    .option('--labels <values>', 'label values to score, e.g. 205,420,500,820 or 205=LVM,420=LAC (default: every non-zero value present)', parseLabels)
    .option('--classes <names>', 'class names, one per --labels value (alone: names of values 1..N)', parseNames)
    .option('--include-background', 'also score label value 0')
    .option('--json', 'print the scores as JSON (missing values are null)')
    .action(async (predPath: string, labelPath: string, opts: ScoreCliOptions) => {
      const classes = classList(opts);
      if (classes?.some((c) => c.value === 0) && !opts.includeBackground) {
        process.stderr.write('warning: label value 0 is background and is not scored; add --include-background to score it\n');
      }
      const { NiftiError, assertSameGrid, readNifti } = await import('../../runtime/data/nifti.ts');
      const { scoreLabelVolumes } = await import('../../runtime/metrics/score.ts');
      const [pred, label] = await Promise.all([readNifti(predPath), readNifti(labelPath)]);
      assertSameGrid(label, labelPath, pred, predPath);
      checkLabelMap(pred, predPath, classes !== undefined, NiftiError);
      checkLabelMap(label, labelPath, classes !== undefined, NiftiError);
      const score = scoreLabelVolumes(pred.data, label.data, label.dims, {
        classes,
        includeBackground: opts.includeBackground ?? false,
        spacingMm: label.spacing,
      });
      if (classes && score.unlistedValues.length > 0) {
        process.stderr.write(`warning: label values ${listSome(score.unlistedValues)} are not in --labels/--classes and were scored as background\n`);
      }
      if (opts.json) {
        const doc = {
          prediction: predPath,
          reference: labelPath,
          dims: label.dims,
          spacingMm: label.spacing,
          conventions: {
            dice: 'fraction 2|A∩B|/(|A|+|B|); null when the class is absent from both',
            asd: 'mm, pooled mean over both surfaces; null when either mask is empty',
            hd95: 'mm, max of the two directed 95th percentiles; null when either mask is empty',
            includeBackground: opts.includeBackground ?? false,
          },
          ...score,
        };
        process.stdout.write(JSON.stringify(doc, nanToNull, 2) + '\n');
      } else {
        process.stdout.write(renderTable(score, predPath, labelPath, label));
      }
    });
}
