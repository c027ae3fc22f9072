/**
 * All wording of compiler diagnostics, in one switch over the issue code (as zod's
 * `locales/en.ts`). Checks report typed data; nothing else in the compiler builds a
 * user-facing sentence.
 */
import type { Issue } from './issue-codes.ts';

export interface RenderedIssue {
  message: string;
  hint?: string;
}

const quote = (s: string) => `\`${s}\``;
const list = (items: readonly string[]) => items.map(quote).join(', ');
const didYouMean = (suggestion: string | undefined) => (suggestion ? `did you mean ${quote(suggestion)}?` : undefined);
/** An IR value in a message: JSON, or `(absent)`. */
const irValue = (value: unknown) => (value === undefined ? '(absent)' : JSON.stringify(value));
const pct = (fraction: number) => `${+(fraction * 100).toFixed(6)}%`;

function bound(issue: Extract<Issue, { code: 'E033' }>): string {
  const parts: string[] = [];
  const u = issue.unit ?? '';
  if (issue.min !== undefined) parts.push(`${issue.exclusiveMin ? '>' : '≥'} ${issue.min}${u}`);
  if (issue.max !== undefined) parts.push(`${issue.exclusiveMax ? '<' : '≤'} ${issue.max}${u}`);
  return parts.join(' and ');
}

/** The message and fix hint of an issue. */
export function renderIssue(issue: Issue): RenderedIssue {
  switch (issue.code) {
    case 'E001':
    case 'E002':
    case 'E003':
    case 'E004':
      return { message: issue.message, hint: issue.hint };
    case 'E010':
      return {
        message: `cannot find imported file ${quote(issue.path)} (looked for ${issue.resolved})`,
        hint: 'import paths are relative to the importing file',
      };
    case 'E011':
      return { message: `import cycle: ${issue.cycle.join(' → ')}`, hint: 'move the shared declarations into a file that both import' };
    case 'E012':
      return {
        message: `${issue.kind} ${quote(issue.name)} is declared more than once (first in ${issue.firstFile})`,
        hint: 'declaration names are global across imported files; rename one of them',
      };
    case 'E013':
      return {
        message: `unknown experiment ${quote(issue.name)} after ${quote(issue.role)}`,
        hint: didYouMean(issue.suggestion) ?? 'declare it or import the file that declares it',
      };
    case 'E014':
      return {
        message: `unknown dataset ${quote(issue.name)}`,
        hint: didYouMean(issue.suggestion) ?? 'declare it with `dataset NAME { … }` or import the file that declares it',
      };
    case 'E015':
      return { message: `\`extends\` cycle: ${issue.cycle.join(' → ')}`, hint: 'an experiment cannot extend itself, directly or through others' };
    case 'E016':
      return { message: `cannot read ${quote(issue.file)}: not an .abl, .yaml, .yml or .json file`, hint: 'rename the file or pass an experiment file' };
    case 'E017':
      return {
        message: `unknown ${issue.expected} ${quote(issue.name)}`,
        hint: didYouMean(issue.suggestion) ?? `name a ${issue.expected} declared in this file or its imports`,
      };
    case 'E020':
      return {
        message: `zip sweep ${quote(issue.sweep)} has axes of different lengths: ${issue.lengths.map((l) => `${l.path} has ${l.length}`).join(', ')}`,
        hint: 'give every axis the same number of values, or use a grid sweep for the cross product',
      };
    case 'E021':
      return {
        message:
          issue.reason === 'empty'
            ? `sweep axis ${quote(issue.path)} has no values`
            : issue.reason === 'nested'
              ? `sweep axis ${quote(issue.path)} must be a single dotted key with a value list`
              : `sweep axis ${quote(issue.path)} needs a list or a range after \`in\``,
        hint: 'write `path in [a, b, c]` or `path in 1..8`',
      };
    case 'E022':
      return { message: `range ${issue.from}..${issue.to} is empty or not integer`, hint: 'ranges are inclusive integer ranges `a..b` with a ≤ b' };
    case 'E030':
      return {
        message: `unknown key ${quote(issue.key)}${issue.path ? ` in ${quote(issue.path)}` : ''}`,
        hint: didYouMean(issue.suggestion) ?? (issue.known.length ? `known keys: ${list(issue.known)}` : undefined),
      };
    case 'E031':
      return { message: `${quote(issue.path)} expects ${issue.expected}, found ${issue.found}`, hint: `write ${issue.expected}` };
    case 'E032':
      return { message: `${quote(issue.path)} must be a whole number, found ${issue.value}`, hint: 'counts and sizes are integers' };
    case 'E033':
      return { message: `${quote(issue.path)} must be ${bound(issue)}, found ${issue.value}${issue.unit ?? ''}`, hint: `use a value ${bound(issue)}` };
    case 'E034':
      return { message: `missing required key ${quote(issue.key)}${issue.path ? ` in ${quote(issue.path)}` : ''}`, hint: `add \`${issue.key}: …\`` };
    case 'E035':
      return {
        message: `${quote(issue.path)} cannot be ${quote(issue.value)}`,
        hint: didYouMean(issue.suggestion) ?? `one of ${list(issue.allowed)}`,
      };
    case 'E036':
      return { message: `${quote(issue.path)} is set twice in the same block`, hint: 'keep one of them' };
    case 'E037':
      return {
        message: `${quote(issue.path)} needs ${issue.expected.join(' or ')} values, found ${issue.found}`,
        hint: `write ${issue.expected.map((n) => Array.from({ length: n }, () => 'n').join(' x ')).join(' or ')}`,
      };
    case 'E038':
      return { message: `${quote(issue.path)} is empty`, hint: 'give at least one item' };
    case 'E039':
      return { message: `${quote(issue.path)} lists ${quote(issue.item)} more than once`, hint: 'remove the repeated item' };
    case 'E040':
      return { message: `${quote(issue.path)} does not take the unit ${quote(issue.unit)}`, hint: `write ${issue.expected}` };
    case 'E041':
      return { message: `${quote(issue.path)} needs the unit ${quote(issue.unit)}`, hint: `append ${quote(issue.unit)}, e.g. \`1.5 x 1.5 x 8 ${issue.unit}\`` };
    case 'E042':
      return {
        message: `${quote(issue.path)} is a fraction and must lie in [0, 1] (or 0%..100%), found ${issue.value}`,
        hint: issue.value > 1 && issue.value <= 100 ? `did you mean ${issue.value}%?` : 'write a percentage such as `20%`',
      };
    case 'E050': {
      const sum = issue.train + issue.val + issue.test;
      return {
        message: `split fractions add up to ${pct(sum)} (train ${pct(issue.train)} + val ${pct(issue.val)} + test ${pct(issue.test)}), not 100%`,
        hint: `change one of them by ${pct(Math.abs(1 - sum))} so that train + val + test = 100%`,
      };
    }
    case 'E051':
      return {
        message: `few-shot asks for ${issue.annotated} annotated ${issue.modality} training case(s), but the split leaves ${issue.trainCases} of ${issue.cases}`,
        hint: `use at most ${issue.trainCases}, or raise split.train`,
      };
    case 'E052':
      return {
        message: `dataset ${quote(issue.dataset)} has no modality ${quote(issue.modality)}`,
        hint: didYouMean(issue.suggestion) ?? `its modalities are ${list(issue.known)}`,
      };
    case 'E053':
      return {
        message: `EAM at decoder stage ${issue.stage}, but ${quote(issue.backbone)} with this depth has decoder stages 1..${issue.available}`,
        hint: `place EAMs at decoder[1..${issue.available}] or fewer`,
      };
    case 'E054':
      return {
        message: `EAM heads (${issue.heads}) must divide the channel width ${issue.width} at decoder stage ${issue.stage}`,
        hint: `pick heads among the divisors of ${issue.width}`,
      };
    case 'E055':
      return {
        message: `attention heads (${issue.heads}) at stage ${issue.stage} must divide its channel width ${issue.width}`,
        hint: `stage ${issue.stage} has embed · 2^${issue.stage - 1} = ${issue.width} channels; pick a divisor`,
      };
    case 'E056':
      return {
        message: `window ${issue.window.join(' x ')} does not divide the token grid ${issue.grid.join(' x ')} at stage ${issue.stage}`,
        hint: 'the grid at stage i is crop / patch / 2^(i-1); change crop, patch or window so every stage divides evenly',
      };
    case 'E057':
      return {
        message: `backbone ${quote(issue.backbone)} is ${issue.backboneDims}D but the crop has ${issue.cropRank} dimensions`,
        hint: issue.backboneDims === 2 ? 'swin_unet takes a 2D crop such as `256 x 256`' : 'nnformer takes a 3D patch such as `128 x 128 x 16`',
      };
    case 'E058':
      return {
        message:
          issue.term === 'mcr' || issue.term === 'icr'
            ? `\`loss.${issue.term}\` aligns two modalities, but the run trains ${issue.modalities}`
            : `joint \`${issue.term}\` trains modalities together, but the run has ${issue.modalities}`,
        hint: 'list two modalities in `data.modalities`, or turn the term off',
      };
    case 'E059':
      return {
        message: `\`loss.${issue.term}\` needs External Attention Modules`,
        hint: 'add `model.eam at decoder[1..3] { heads: 8 }`',
      };
    case 'E060':
      return {
        message: `joint \`${issue.joint}\` needs class embeddings (modality-aware channel-wise multiplication, App. B.1)`,
        hint: 'remove `model.class_embedding: false` or use joint v2',
      };
    case 'E061':
      return {
        message: `modality ${quote(issue.modality)} lists ${issue.labelValues} label value(s) for ${issue.classes} class(es)`,
        hint: 'give one label value per class, in the order of `classes`',
      };
    case 'E074':
      return {
        message: `modality ${quote(issue.modality)} lists label value ${issue.value} both as class ${quote(issue.className)} and as background`,
        hint: 'remove it from `background_values` or from `label_values`',
      };
    case 'E062':
      return { message: `temperature τ must be > 0, found ${issue.tau}`, hint: 'the paper sweeps τ in 1..8 (Fig. 5)' };
    case 'E063':
      return { message: `loss weight ${quote(issue.path)} must be ≥ 0, found ${issue.weight}`, hint: 'use 0 to turn a term off' };
    case 'E064':
      return {
        message: `\`depths\` has ${issue.depths} stages but \`${issue.other}\` has ${issue.length}`,
        hint: 'give one value per stage',
      };
    case 'E065':
      return {
        message: `table ${quote(issue.table)} names unknown run ${quote(issue.name)}`,
        hint: didYouMean(issue.suggestion) ?? 'name an experiment, a repeat or a sweep point',
      };
    case 'E066':
      return {
        message: `paper values name unknown ${issue.what} ${quote(issue.name)}`,
        hint: didYouMean(issue.suggestion) ?? `known: ${list(issue.known)}`,
      };
    case 'E067':
      return { message: 'the auxiliary loss supervises the EAMs\' semantic-aware maps, but the model has no EAM', hint: 'add `model.eam at decoder[1..3] { heads: 8 }` or remove `loss.aux`' };
    case 'E068':
      return {
        message: `cannot sample ${issue.sample} ${issue.modality} case(s): the dataset has ${issue.cases}`,
        hint: `sample at most ${issue.cases}`,
      };
    case 'E069':
      return {
        message: issue.dims === 2 ? `slices must be odd (a centre slice with neighbours), found ${issue.slices}` : `3D models take one channel, found slices: ${issue.slices}`,
        hint: issue.dims === 2 ? 'use 1, 3 or 5' : 'remove `slices`',
      };
    case 'E070':
      return {
        message: `crop ${issue.crop.join(' x ')} is not a multiple of patch × 2^${issue.stages - 1} = ${issue.multiple.join(' x ')}`,
        hint: `${issue.stages} stages halve the patch grid ${issue.stages - 1} times; use a crop whose sides are multiples of ${issue.multiple.join(' x ')}`,
      };
    case 'E071':
      return {
        message: `figure ${quote(issue.figure)} plots ${quote(issue.axis)}, which is not an axis of sweep ${quote(issue.sweep)}`,
        hint: issue.known.length ? `its axes are ${list(issue.known)}` : 'the sweep has no axes',
      };
    case 'E072':
      return {
        message: 'EAMs query the feature maps with the class embeddings Q (eq. 1), but `model.class_embedding` is off',
        hint: 'remove `model.class_embedding: false`, or remove `model.eam`',
      };
    case 'E073':
      return {
        message: `${issue.cases} ${issue.modality} case(s) leave ${issue.train} for training once val and test take at least one case each`,
        hint: 'add cases, or set val (or test) to 0%',
      };
    case 'E075':
      return {
        message: `row ${quote(issue.row)} of table ${quote(issue.table)} trains the same runs as row ${quote(issue.same)} (same spec hash)`,
        hint: 'the two rows would print one result under two names; make the row change what its label says, or remove it',
      };
    case 'E080':
      return {
        message: `internal: the emitted Run IR violates its schema at ${issue.irPath}: ${issue.problem}`,
        hint: 'this is a compiler bug or a value the checker missed; please report it with the file',
      };
    case 'E120':
      return {
        message: `repeat ${quote(issue.repeat)} draws from ${quote(issue.base)}, which is a ${issue.kind}; a repeat draws from an experiment or a sweep`,
        hint: `repeat the experiment or sweep that ${quote(issue.base)} is built from`,
      };
    case 'E076': {
      const shown = issue.differences.slice(0, 6).map((d) => `${quote(d.path)} (${issue.reference}: ${irValue(d.reference)}, ${issue.row}: ${irValue(d.row)}${d.draw ? `, draw #${d.draw}` : ''})`);
      const more = issue.differences.length > shown.length ? `; and ${issue.differences.length - shown.length} more` : '';
      return {
        message: `row ${quote(issue.row)} of table ${quote(issue.table)} also differs from ${quote(issue.reference)} in what its contract does not name: ${shown.join('; ')}${more}`,
        hint: `name ${issue.differences.length === 1 ? 'the path' : 'the paths'} in \`differs [...]\` if the change is part of the ablation, or make the row's experiment change only what its contract says (\`ablate diff\` shows where each value was set)`,
      };
    }
    case 'E077':
      return {
        message: `row ${quote(issue.row)} of table ${quote(issue.table)} says it differs from ${quote(issue.reference)} in ${quote(issue.path)}, but both have ${irValue(issue.value)}`,
        hint: `change \`${issue.path}\` in the row's experiment, or remove it from \`differs [...]\``,
      };
    case 'E078':
      return {
        message: `row ${quote(issue.row)} of table ${quote(issue.table)} is compared with ${quote(issue.reference)}, which is ${issue.paperOnly ? 'a paper-only row (it names no run)' : 'not a row of the table'}`,
        hint: didYouMean(issue.suggestion) ?? (issue.known.length ? `name one of the rows ${list(issue.known)}` : 'the table has no other row to compare with'),
      };
    case 'E079':
      return issue.identity
        ? {
            message: `${quote(issue.path)} says where a run came from, not what it trains; a contract cannot name it`,
            hint: 'name what the row changes: a Run IR path such as `loss.mcr`, `model.joint` or `data.split.annotated`',
          }
        : {
            message: `${quote(issue.path)} is not a Run IR path`,
            hint: didYouMean(issue.suggestion) ?? 'name a Run IR path or a prefix of one (`loss.icr`, `model.backbone.depths`); `ablate compile` prints a run\'s IR',
          };
    case 'E125':
      return { message: `row ${quote(issue.row)} is compared with itself`, hint: 'name the row it is an ablation of after `from`' };
    case 'E126':
      return {
        message: `\`differs … from\` is a table row's contract, but this entry is ${issue.where}`,
        hint: 'write it after a row of a table: `rows { "Ours + L_mcr": ours_mcr differs [loss.mcr] from "Ours" }`',
      };
    case 'E127':
      return {
        message: `row ${quote(issue.row)} says it differs from ${quote(issue.reference)} in nothing`,
        hint: 'name the Run IR paths the row changes, e.g. `differs [loss.mcr] from "…"`; two rows that train the same runs are an error (E075)',
      };
    case 'E128':
      return {
        message: `the contract names ${quote(issue.path)} and ${quote(issue.other)}, one inside the other`,
        hint: `keep one of them: a path covers every path inside it`,
      };
    case 'E110':
      return {
        message: `\`data.slice_axis: ${issue.axis}\` has no effect in a 3D run: a 3D model sees whole volumes, not slices`,
        hint: 'remove `slice_axis`, or use a 2D backbone (swin_unet)',
      };
    case 'E111':
      return {
        message: `\`data.resize: ${issue.resize.join(' x ')}\` is smaller in-plane than the ${issue.dims === 2 ? 'crop' : 'training patch'} ${issue.crop.join(' x ')}: every ${issue.dims === 2 ? 'slice' : 'patch'} would be mostly padding`,
        hint: `resize to at least ${issue.crop.join(' x ')}, or shrink \`crop\``,
      };
    case 'E121':
      return {
        message: '`data.crop_at: label` has no effect in a 3D run: 3D runs crop nothing and slide windows over the whole volume',
        hint: 'remove `crop_at`, or use a 2D backbone (swin_unet)',
      };
    case 'E122':
      return {
        message: `figure ${quote(issue.figure)} plots ${quote(issue.name)}, which is ${issue.kind}; a figure plots a sweep or a repeat over a sweep`,
        hint: didYouMean(issue.suggestion) ?? 'declare `sweep NAME from EXPERIMENT { … }` (and `repeat NAME from SWEEP { … }` for error bars) and plot it',
      };
    case 'E123':
      return {
        message: `figure ${quote(issue.figure)} draws a reference line for ${quote(issue.name)}, which is not an experiment or a repeat`,
        hint: didYouMean(issue.suggestion) ?? 'name an experiment or a repeat of one (its pooled result is drawn as a horizontal line)',
      };
    case 'E100':
      return {
        message: `unknown scheduler ${quote(issue.scheduler)} in \`launch\``,
        hint: didYouMean(issue.suggestion) ?? `ablate launches on ${list(issue.known)}`,
      };
    case 'E101':
      return { message: `\`launch ${issue.scheduler}\` is declared twice in this file (first on line ${issue.firstLine})`, hint: 'keep one block; a file it imports may hold another' };
    case 'E102':
      return {
        message: `\`launch.time\` "${issue.value}" is not a Slurm time`,
        hint: 'write a duration such as `2h` or `30min`, or Slurm\'s "MM", "HH:MM:SS", "D-HH:MM:SS"',
      };
    case 'E103':
      return { message: `\`launch.time\` must be a whole number of minutes, at least one, found ${issue.written}`, hint: 'Slurm counts time limits in minutes: write e.g. `2min`, `90min` or `2h`' };
    case 'E104':
      return { message: `\`launch.mem\` must be a whole number of megabytes, at least one, found ${issue.written}`, hint: 'write e.g. `512MB` or `16GB`' };
    case 'E105':
      return issue.key
        ? { message: `sbatch argument ${quote(issue.arg)} sets ${quote(issue.option)}, which has its own key`, hint: `write \`${issue.key}: …\` in the launch block` }
        : { message: `sbatch argument ${quote(issue.arg)} sets ${quote(issue.option)}, which ablate sets itself (${issue.reason})`, hint: 'remove it from `sbatch_args`' };
    case 'E106':
      return { message: `sbatch argument ${quote(issue.arg)} is not an option`, hint: `sbatch arguments start with \`-\`: \`--${issue.arg}\`` };
    case 'E107':
      return issue.key === 'time'
        ? { message: `\`launch.time\` needs a unit, found ${issue.value}`, hint: `write \`${issue.value}min\`, \`${issue.value}h\` or \`${issue.value}d\`` }
        : { message: `\`launch.mem\` needs a unit, found ${issue.value}`, hint: `write \`${issue.value}MB\` or \`${issue.value}GB\`` };
    case 'E124':
      return {
        message: `the repeat samples ${quote(issue.modality)} cases, but the run trains ${list(issue.trained)}`,
        hint: `sample one of ${list(issue.trained)}`,
      };
    case 'E090':
      return { message: `cannot read override ${quote(issue.argument)}`, hint: 'write `-s dotted.key=value`, e.g. `-s loss.icr.tau=2`' };
    case 'E023':
      return {
        message: `range ${issue.from}..${issue.to} has ${issue.count} values; a range may hold at most ${issue.limit}`,
        hint: 'a sweep trains one run per value: narrow the range, or list the values you need `[1, 10, 100]`',
      };
    case 'E024':
      return {
        message: `sweep ${quote(issue.sweep)} has ${issue.points} points (${issue.lengths.map((l) => `${l.path}: ${l.length}`).join(issue.mode === 'zip' ? ', zipped' : ' × ')}); at most ${issue.limit} are allowed`,
        hint: 'a sweep trains one run per point: use fewer values per axis, split it into several sweeps, or pair the axes with `sweep zip`',
      };
    case 'E025':
      return {
        message:
          issue.points > 1
            ? `repeat ${quote(issue.repeat)} asks for ${issue.times} draws of ${issue.points} sweep points (${issue.times * issue.points} runs); at most ${issue.limit} are allowed`
            : `repeat ${quote(issue.repeat)} asks for ${issue.times} draws; at most ${issue.limit} are allowed`,
        hint: 'a repeat trains one run per draw: the paper pools 5 draws; use fewer',
      };
    case 'E043':
      return {
        message: `the number ${issue.text} is too large to represent (it would be Infinity)`,
        hint: 'numbers must be finite: check the exponent (`1e-4`, not `1e999`)',
      };
    case 'E044':
      return {
        message: `${quote(issue.path)} is ${issue.value}, above the limit ${issue.limit} for ${issue.count ? 'a count' : 'a whole number'}`,
        hint: 'counts (epochs, steps, batch, sizes) go up to 1000000 and seeds up to 4294967295 (2^32 − 1), so that a typo cannot start an endless run',
      };
    case 'E045':
      return {
        message: `the ± part of ${quote(issue.path)} is a standard deviation and cannot be negative, found ${issue.std}`,
        hint: 'write `mean ± std` with std ≥ 0, e.g. `90.9 ± 1.5`',
      };
    case 'E130':
      return {
        message: `${quote(issue.name)} cannot be used as ${issue.kind}`,
        hint: '`__proto__`, `constructor` and `prototype` are reserved (special property names in JavaScript); choose another name',
      };
    case 'E131':
      return {
        message: `internal error while checking ${issue.file}: ${issue.error}`,
        hint: 'this is a bug in ablate, not in your file: please report it with the file attached; the other files were checked',
      };
  }
}
