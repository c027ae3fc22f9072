/**
 * One failing fixture per issue code (issue-cases.ts): the code is reported, at the exact
 * line:column marked `«` in the fixture, with the expected message. The table of
 * messages pins the wording (golden): changing a message means changing it here too.
 */
import { describe, expect, it } from 'vitest';
import { issueCodes } from '../../compiler/issue-codes.ts';
import { compileMarked, where } from './fixtures.ts';
import { issueCases } from './issue-cases.ts';

const messages: Record<string, string> = {
  E001: "'#' does not start a comment",
  E002: "expected a value after ':' but found ':'",
  E003: "malformed number '1e': the exponent has no digits",
  E010: 'cannot find imported file `missing.abl` (looked for {dir}/missing.abl)',
  E011: 'import cycle: {dir}/main.abl → {dir}/a.abl → {dir}/main.abl',
  E012: 'dataset `phantom` is declared more than once (first in {dir}/d.abl)',
  E013: 'unknown experiment `bsae` after `extends`',
  E014: 'unknown dataset `phantm`',
  E015: '`extends` cycle: a → b → a',
  E017: 'unknown sweep `nope`',
  E020: 'zip sweep `s` has axes of different lengths: loss.icr.tau has 2, train.seed has 3',
  E021: 'sweep axis `loss.icr.tau` needs a list or a range after `in`',
  E022: 'range 8..1 is empty or not integer',
  E030: 'unknown key `epoch` in `train`',
  E031: '`train.epochs` expects a whole number, found the string "two"',
  E032: '`train.batch` must be a whole number, found 2.5',
  E033: '`train.epochs` must be ≥ 1, found 0',
  E034: 'missing required key `epochs` in `train`',
  E035: '`model.joint` cannot be `v4`',
  E036: '`model.joint` is set twice in the same block',
  E037: '`data.crop` needs 2 or 3 values, found 4',
  E038: '`data.modalities` is empty',
  E039: '`data.modalities` lists `ct` more than once',
  E040: '`train.epochs` does not take the unit `%`',
  E041: '`data.spacing` needs the unit `mm`',
  E042: '`data.split.train` is a fraction and must lie in [0, 1] (or 0%..100%), found 60',
  E050: 'split fractions add up to 110% (train 70% + val 20% + test 20%), not 100%',
  E051: 'few-shot asks for 7 annotated mri training case(s), but the split leaves 6 of 10',
  E052: 'dataset `phantom` has no modality `mr`',
  E053: 'EAM at decoder stage 4, but `swin_unet` with this depth has decoder stages 1..3',
  E054: 'EAM heads (3) must divide the channel width 64 at decoder stage 1',
  E055: 'attention heads (3) at stage 3 must divide its channel width 64',
  E056: 'window 3 x 3 does not divide the token grid 32 x 32 at stage 1',
  E057: 'backbone `swin_unet` is 2D but the crop has 3 dimensions',
  E058: '`loss.mcr` aligns two modalities, but the run trains 1',
  E059: '`loss.mcr` needs External Attention Modules',
  E060: 'joint `v3` needs class embeddings (modality-aware channel-wise multiplication, App. B.1)',
  E061: 'modality `ct` lists 3 label value(s) for 4 class(es)',
  E074: 'modality `ct` lists label value 3 both as class `LVC` and as background',
  E062: 'temperature τ must be > 0, found 0',
  E063: 'loss weight `loss.mcr` must be ≥ 0, found -0.1',
  E064: '`depths` has 4 stages but `heads` has 3',
  E065: 'table `t` names unknown run `bsae`',
  E066: 'paper values name unknown class `LV`',
  E067: "the auxiliary loss supervises the EAMs' semantic-aware maps, but the model has no EAM",
  E068: 'cannot sample 12 mri case(s): the dataset has 10',
  E069: 'slices must be odd (a centre slice with neighbours), found 2',
  E070: 'crop 63 x 64 is not a multiple of patch × 2^3 = 16 x 16',
  E071: 'figure `f` plots `loss.icr.weight`, which is not an axis of sweep `s`',
  E072: 'EAMs query the feature maps with the class embeddings Q (eq. 1), but `model.class_embedding` is off',
  E073: '2 mri case(s) leave 0 for training once val and test take at least one case each',
  E120: 'repeat `rr` draws from `r`, which is a repeat; a repeat draws from an experiment or a sweep',
  E100: 'unknown scheduler `slurn` in `launch`',
  E101: '`launch slurm` is declared twice in this file (first on line 1)',
  E102: '`launch.time` "2 days" is not a Slurm time',
  E103: '`launch.time` must be a whole number of minutes, at least one, found 90s',
  E104: '`launch.mem` must be a whole number of megabytes, at least one, found 0.5MB',
  E105: 'sbatch argument `--partition=gpu` sets `--partition`, which has its own key',
  E106: 'sbatch argument `account=lab` is not an option',
  E107: '`launch.time` needs a unit, found 2',
  E110: '`data.slice_axis: coronal` has no effect in a 3D run: a 3D model sees whole volumes, not slices',
  E111: '`data.resize: 48 x 64` is smaller in-plane than the crop 64 x 64: every slice would be mostly padding',
  E121: '`data.crop_at: label` has no effect in a 3D run: 3D runs crop nothing and slide windows over the whole volume',
  E122: 'figure `f` plots `r`, which is a repeat of an experiment; a figure plots a sweep or a repeat over a sweep',
  E123: 'figure `f` draws a reference line for `bsae`, which is not an experiment or a repeat',
  E124: 'the repeat samples `pet` cases, but the run trains `ct`, `mri`',
  E076: 'row `More` of table `t` also differs from `Ours` in what its contract does not name: `train.epochs` (Ours: 2, More: 3)',
  E077: 'row `More` of table `t` says it differs from `Ours` in `train.batch`, but both have 2',
  E078: 'row `More` of table `t` is compared with `Our`, which is not a row of the table',
  E079: '`loss.mrc` is not a Run IR path',
  E125: 'row `More` is compared with itself',
  E126: '`differs … from` is a table row\'s contract, but this entry is in an experiment',
  E127: 'row `More` says it differs from `Ours` in nothing',
  E128: 'the contract names `loss.mcr` and `loss`, one inside the other',
  E075: 'row `Ours again` of table `t` trains the same runs as row `Ours` (same spec hash)',
  E090: 'cannot read override `loss.icr.tau`',
  E004: "'(' opens nesting level 65; at most 64 levels of { }, [ ] and ( ) are allowed",
  E023: 'range 1..100000 has 100000 values; a range may hold at most 10000',
  E024: 'sweep `s` has 20000 points (loss.icr.tau: 200 × train.seed: 100); at most 10000 are allowed',
  E025: 'repeat `r` asks for 65536 draws; at most 1000 are allowed',
  E043: 'the number 1e999 is too large to represent (it would be Infinity)',
  E044: '`train.epochs` is 100000000000000000000, above the limit 1000000 for a count',
  E045: 'the ± part of `paper.Ours.ct.dice.LVM` is a standard deviation and cannot be negative, found -1',
  E130: '`__proto__` cannot be used as an experiment name',
};

const hints: Record<string, string> = {
  E013: 'did you mean `base`?',
  E014: 'did you mean `phantom`?',
  E030: 'did you mean `epochs`?',
  E035: 'did you mean `v1`?',
  E042: 'did you mean 60%?',
  E052: 'did you mean `mri`?',
  E065: 'did you mean `base`?',
  E066: 'did you mean `LVM`?',
  E123: 'did you mean `base`?',
  E078: 'did you mean `Ours`?',
  E079: 'did you mean `loss.mcr`?',
  E100: 'did you mean `slurm`?',
  E105: 'write `partition: …` in the launch block',
  E106: 'sbatch arguments start with `-`: `--account=lab`',
  E107: 'write `2min`, `2h` or `2d`',
};

describe('every issue code has a failing fixture', () => {
  for (const c of issueCases) {
    it(`${c.code} ${c.title}`, () => {
      const { result, mark, dir } = compileMarked(c.files, c.options);
      const found = result.diagnostics.filter((d) => d.code === c.code);
      expect(found, result.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')).toHaveLength(1);
      const d = found[0]!;
      expect(d.message).toBe(messages[c.code]!.replaceAll('{dir}', dir));
      if (hints[c.code]) expect(d.hint).toBe(hints[c.code]);
      // Syntax errors (E001–E003) are worded by the parser, which adds a hint where it has one.
      if (!['E001', 'E002', 'E003'].includes(c.code)) expect(d.hint, 'every compiler issue carries a fix hint').toBeTruthy();
      expect(d.name).toBe(issueCodes[d.code]);
      const expected = mark ? `${mark.file}:${mark.line}:${mark.column}` : '<command line>:1:4';
      expect(where(d, dir)).toBe(expected);
      expect(result.runs, 'no IR leaves the compiler when it reports an error').toEqual([]);
    });
  }

  it('covers every code except the internal schema check (E080, tested in emit-ir.test.ts), E016 (check.test.ts) and internal errors (E131, hardening.test.ts)', () => {
    const tested = new Set(issueCases.map((c) => c.code));
    const untested = Object.keys(issueCodes).filter((code) => !tested.has(code));
    expect(untested.sort()).toEqual(['E016', 'E080', 'E131']);
  });
});
