/**
 * Stable issue codes. A code never changes meaning once released; tests, CI filters and
 * `--format json` consumers key on it. Each code has a kebab-case name (shown by
 * `--format json` and usable in docs) and a typed payload (`IssueData`): checks report
 * data, and `messages.ts` alone turns data into words.
 *
 * Ranges: E001–E009 syntax (the parser), E01x resolution, E02x expansion, E03x keys and
 * types, E04x units, E05x–E07x domain rules, E08x emitted IR, E09x command line.
 */
import { syntaxCodes } from '../dsl/syntax-error.ts';

export { syntaxCodes };

export const issueCodes = {
  // syntax: the parser's own codes (dsl/syntax-error.ts), re-exported
  ...syntaxCodes,
  // resolution
  E010: 'import-not-found',
  E011: 'import-cycle',
  E012: 'duplicate-name',
  E013: 'unknown-base',
  E014: 'unknown-dataset',
  E015: 'extends-cycle',
  E016: 'unsupported-file-type',
  E017: 'unknown-declaration',
  // expansion
  E020: 'zip-length-mismatch',
  E021: 'bad-sweep-axis',
  E022: 'bad-range',
  E023: 'range-too-long',
  E024: 'too-many-sweep-points',
  E025: 'too-many-repeat-runs',
  // keys and types
  E030: 'unknown-key',
  E031: 'type-mismatch',
  E032: 'expected-integer',
  E033: 'out-of-range',
  E034: 'missing-key',
  E035: 'unknown-value',
  E036: 'duplicate-key',
  E037: 'wrong-length',
  E038: 'empty-list',
  E039: 'duplicate-item',
  // units
  E040: 'unit-not-allowed',
  E041: 'missing-unit',
  E042: 'fraction-out-of-range',
  // domain rules
  E050: 'split-sum',
  E051: 'few-shot-infeasible',
  E052: 'unknown-modality',
  E053: 'eam-stage-missing',
  E054: 'eam-heads-divide',
  E055: 'swin-heads-divide',
  E056: 'window-divides-grid',
  E057: 'backbone-dims-mismatch',
  E058: 'consistency-needs-modalities',
  E059: 'consistency-needs-eam',
  E060: 'v3-needs-class-embedding',
  E061: 'label-values-length',
  E062: 'tau-positive',
  E063: 'weight-negative',
  E064: 'stage-lists-length',
  E065: 'unknown-run',
  E066: 'paper-unknown-name',
  E067: 'aux-needs-eam',
  E068: 'sample-infeasible',
  E069: 'slices-odd',
  E070: 'patch-divides-crop',
  E071: 'figure-axis-unknown',
  E072: 'eam-needs-class-embedding',
  E073: 'split-leaves-no-training',
  E074: 'background-value-is-class',
  E075: 'duplicate-table-row',
  // ablation contracts: `"Row": run differs [paths] from "Other row"` (issue 11)
  E076: 'contract-unnamed-difference',
  E077: 'contract-no-difference',
  E078: 'contract-unknown-row',
  E079: 'contract-unknown-path',
  // launch blocks: where runs execute (issue 10; compiler/check/launch-settings.ts)
  E100: 'unknown-scheduler',
  E101: 'launch-declared-twice',
  E102: 'slurm-time-format',
  E103: 'time-whole-minutes',
  E104: 'memory-whole-megabytes',
  E105: 'sbatch-arg-reserved',
  E106: 'sbatch-arg-not-option',
  E107: 'launch-missing-unit',
  // the paper's datasets (issue 13)
  E110: 'slice-axis-3d',
  E111: 'resize-smaller-than-crop',
  // repeats, figures over repeats, the evaluation crop (issue 11)
  E120: 'repeat-base-kind',
  E121: 'crop-at-label-3d',
  E122: 'figure-source-kind',
  E123: 'figure-reference-unknown',
  E124: 'sample-modality-not-trained',
  E125: 'contract-self-reference',
  E126: 'contract-outside-table-row',
  E127: 'contract-names-nothing',
  E128: 'contract-path-repeated',
  // emitted IR
  E080: 'ir-schema',
  // command line
  E090: 'bad-override',
  // numbers
  E043: 'number-not-finite',
  E044: 'integer-too-large',
  E045: 'negative-std',
  // names and the compiler itself
  E130: 'reserved-name',
  E131: 'internal-error',
} as const;

export type IssueCode = keyof typeof issueCodes;
export type IssueName = (typeof issueCodes)[IssueCode];

/** The typed payload of each issue code. Names of things are as the user wrote them. */
export interface IssueData {
  // The parser words syntax errors itself (it quotes tokens); they carry their text.
  E001: { message: string; hint?: string };
  E002: { message: string; hint?: string };
  E003: { message: string; hint?: string };
  E004: { message: string; hint?: string };
  E010: { path: string; resolved: string };
  E011: { cycle: string[] };
  E012: { name: string; kind: string; firstFile: string };
  E013: { name: string; role: 'extends' | 'from'; suggestion?: string };
  E014: { name: string; suggestion?: string };
  E015: { cycle: string[] };
  E016: { file: string };
  E017: { name: string; expected: string; suggestion?: string };
  E020: { sweep: string; lengths: { path: string; length: number }[] };
  E021: { path: string; reason: 'empty' | 'not-a-list' | 'nested' };
  E022: { from: number; to: number };
  E023: { from: number; to: number; count: number; limit: number };
  E024: { sweep: string; mode: 'grid' | 'zip'; points: number; limit: number; lengths: { path: string; length: number }[] };
  E025: { repeat: string; times: number; points: number; limit: number };
  E030: { key: string; path: string; suggestion?: string; known: string[] };
  E031: { path: string; expected: string; found: string };
  E032: { path: string; value: number };
  /** `unit: '%'` when the bounds and value are percentages (a fraction key). */
  E033: { path: string; value: number; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; unit?: '%' };
  E034: { path: string; key: string };
  E035: { path: string; value: string; allowed: string[]; suggestion?: string };
  E036: { path: string };
  E037: { path: string; expected: number[]; found: number };
  E038: { path: string };
  E039: { path: string; item: string };
  E040: { path: string; unit: string; expected: string };
  E041: { path: string; unit: string };
  E042: { path: string; value: number };
  E050: { train: number; val: number; test: number };
  E051: { modality: string; annotated: number; trainCases: number; cases: number };
  E052: { modality: string; dataset: string; known: string[]; suggestion?: string };
  E053: { stage: number; backbone: string; available: number };
  E054: { stage: number; heads: number; width: number };
  E055: { stage: number; heads: number; width: number };
  E056: { stage: number; grid: number[]; window: number[] };
  E057: { backbone: string; backboneDims: number; cropRank: number };
  E058: { term: 'mcr' | 'icr' | 'v1' | 'v2' | 'v3'; modalities: number };
  E059: { term: 'mcr' | 'icr' };
  E060: { joint: string };
  E061: { modality: string; labelValues: number; classes: number };
  E062: { tau: number };
  E063: { path: string; weight: number };
  E064: { depths: number; other: string; length: number };
  E065: { name: string; table: string; suggestion?: string };
  E066: { what: 'row' | 'modality' | 'metric' | 'class'; name: string; known: string[]; suggestion?: string };
  E067: { path?: undefined };
  E068: { modality: string; sample: number; cases: number };
  E069: { slices: number; dims: number };
  E070: { crop: number[]; patch: number[]; stages: number; multiple: number[] };
  E071: { figure: string; axis: string; sweep: string; known: string[] };
  E072: { path?: undefined };
  E073: { modality: string; cases: number; train: number };
  E074: { modality: string; value: number; className: string };
  E075: { table: string; row: string; same: string; specHash: string };
  /** Each difference with the reference row's value and this row's (undefined: absent); `draw` when the rows are repeats and it showed in a later draw. */
  E076: { table: string; row: string; reference: string; differences: { path: string; reference: unknown; row: unknown; draw?: number }[] };
  E077: { table: string; row: string; reference: string; path: string; value: unknown };
  E078: { table: string; row: string; reference: string; paperOnly: boolean; suggestion?: string; known: string[] };
  E079: { path: string; identity: boolean; suggestion?: string };
  E110: { axis: string };
  E111: { resize: number[]; crop: number[]; dims: number };
  E120: { repeat: string; base: string; kind: string };
  E121: { dims: number };
  E122: { figure: string; name: string; kind: string; suggestion?: string };
  E123: { figure: string; name: string; suggestion?: string };
  E124: { modality: string; trained: string[] };
  E100: { scheduler: string; known: string[]; suggestion?: string };
  E101: { scheduler: string; firstLine: number };
  E102: { value: string };
  E103: { written: string; minutes: number };
  E104: { written: string; megabytes: number };
  E105: { arg: string; option: string; reason?: string; key?: string };
  E106: { arg: string };
  E107: { key: 'time' | 'mem'; value: number };
  E125: { row: string };
  E126: { where: string };
  E127: { row: string; reference: string };
  E128: { path: string; other: string };
  E080: { irPath: string; problem: string };
  E090: { argument: string };
  E043: { text: string };
  E044: { path: string; value: number; limit: number; count: boolean };
  E045: { path: string; std: number };
  E130: { name: string; kind: string };
  E131: { file: string; error: string };
}

/** One issue: a code with its payload. */
export type Issue = { [C in IssueCode]: { code: C } & IssueData[C] }[IssueCode];

/** The kebab-case name of a code (`E030` → `unknown-key`). */
export function issueName(code: IssueCode): IssueName {
  return issueCodes[code];
}
