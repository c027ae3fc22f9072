/**
 * The domain rules of DESIGN.md, one function per rule, named for the rule. Each reads
 * a type-checked IR (or dataset, table, figure) and reports issues against IR paths;
 * the IR source map turns a path into the line that set the value. Rules never word
 * messages (messages.ts) and never compute offsets.
 */
import type { DatasetIR, RunIR } from '../../schemas/run-ir.schema.ts';
import type { Issue } from '../issue-codes.ts';
import { suggest } from './types.ts';

/** What a run rule sees: the IR under check and a reporter keyed by IR path. */
export interface RunContext {
  ir: RunIR;
  report(issue: Issue, irPath: string): void;
}

/** What a dataset rule sees; paths are inside the dataset (`modalities.ct.label_values`). */
export interface DatasetContext {
  dataset: DatasetIR;
  report(issue: Issue, path: string): void;
}

const EPS = 1e-9;

// ─── data ───────────────────────────────────────────────────────────────────

/** train + val + test = 100% (each case lands in exactly one part; disjointness by case is enforced by the runtime's splitter). */
export function checkSplitSumsToOne({ ir, report }: RunContext): void {
  const { train, val, test } = ir.data.split;
  if (Math.abs(train + val + test - 1) > EPS) report({ code: 'E050', train, val, test }, 'data.split');
}

/** Every modality named by the run exists in its dataset (data.modalities, split.annotated, sample). */
export function checkModalitiesExist({ ir, report }: RunContext): void {
  const known = Object.keys(ir.dataset.modalities);
  const check = (modality: string, path: string) => {
    if (!known.includes(modality)) report({ code: 'E052', modality, dataset: ir.dataset.name, known, suggestion: suggest(modality, known) }, path);
  };
  ir.data.modalities.forEach((m, i) => check(m, `data.modalities.${i}`));
  for (const m of Object.keys(ir.data.split.annotated)) check(m, `data.split.annotated.${m}`);
  for (const m of Object.keys(ir.data.sample?.cases ?? {})) check(m, `data.sample.cases.${m}`);
}

/** Cases of a modality after sampling, when the dataset states them (phantoms); undefined for NIfTI folders. */
function caseCount(ir: RunIR, modality: string): number | undefined {
  const stated = ir.dataset.modalities[modality]?.cases ?? undefined;
  if (stated === undefined || stated === null) return undefined;
  return ir.data.sample?.cases[modality] ?? stated;
}

/**
 * Training cases a split leaves of n cases. Mirrors runtime/data/split.ts (`splitCounts`):
 * test and val each take max(1, round(n · f)) cases when their fraction is > 0, train the
 * rest (test/compiler/domain.test.ts keeps the two in step).
 */
export function trainCaseCount(n: number, split: { val: number; test: number }): number {
  const part = (f: number) => (f > 0 ? Math.max(1, Math.round(n * f + EPS)) : 0);
  return n - part(split.test) - part(split.val);
}

/** Every modality whose case count is known keeps at least one training case after val and test are cut. */
export function checkSplitLeavesTraining({ ir, report }: RunContext): void {
  for (const modality of ir.data.modalities) {
    const cases = caseCount(ir, modality);
    if (cases === undefined) continue;
    const train = trainCaseCount(cases, ir.data.split);
    if (train < 1) report({ code: 'E073', modality, cases, train }, 'data.split');
  }
}

/**
 * Few-shot counts fit in the training part: `annotated { mri: N }` needs N ≤ the training
 * cases of the split. Checked only when the case count is known (phantoms).
 */
export function checkFewShotFeasible({ ir, report }: RunContext): void {
  for (const [modality, annotated] of Object.entries(ir.data.split.annotated)) {
    const cases = caseCount(ir, modality);
    if (cases === undefined) continue;
    const trainCases = trainCaseCount(cases, ir.data.split);
    if (trainCases >= 1 && annotated > trainCases) report({ code: 'E051', modality, annotated, trainCases, cases }, `data.split.annotated.${modality}`);
  }
}

/** A repeat samples no more cases than the dataset has. */
export function checkSampleFeasible({ ir, report }: RunContext): void {
  for (const [modality, sample] of Object.entries(ir.data.sample?.cases ?? {})) {
    const cases = ir.dataset.modalities[modality]?.cases;
    if (typeof cases === 'number' && sample > cases) report({ code: 'E068', modality, sample, cases }, `data.sample.cases.${modality}`);
  }
}

/** A repeat samples only modalities the run trains (E124); otherwise the draw would fail when the data are split. */
export function checkSampleModalitiesTrained({ ir, report }: RunContext): void {
  for (const modality of Object.keys(ir.data.sample?.cases ?? {})) {
    if (!ir.data.modalities.includes(modality)) report({ code: 'E124', modality, trained: ir.data.modalities }, `data.sample.cases.${modality}`);
  }
}

/** The label-centred crop is a 2D rule: a 3D run crops nothing, so `crop_at: label` would silently do nothing (E121). */
export function checkCropAtNeeds2d({ ir, report }: RunContext): void {
  if (ir.data.dims === 3 && ir.data.cropAt === 'label') report({ code: 'E121', dims: 3 }, 'data.cropAt');
}

/** The slicing plane is a 2D setting; a 3D run given another than axial would silently ignore it. */
export function checkSliceAxisNeeds2d({ ir, report }: RunContext): void {
  if (ir.data.dims === 3 && ir.data.sliceAxis !== 'axial') report({ code: 'E110', axis: ir.data.sliceAxis }, 'data.sliceAxis');
}

/**
 * The in-plane resize (App. C) makes the grid the model is cut from; a crop (2D) or patch (3D)
 * wider than it is padding, not image, so a resize below the crop is a mistake (E111).
 */
export function checkResizeCoversCrop({ ir, report }: RunContext): void {
  const resize = ir.data.resize;
  if (!resize) return;
  const crop = ir.data.crop.slice(0, 2);
  if (resize[0]! < crop[0]! || resize[1]! < crop[1]!) report({ code: 'E111', resize: [...resize], crop, dims: ir.data.dims }, 'data.resize');
}

/** 2D runs stack an odd number of slices (a centre slice and its neighbours); 3D runs take one channel. */
export function checkSlicesOdd({ ir, report }: RunContext): void {
  const { slices, dims } = ir.data;
  if ((dims === 2 && slices % 2 === 0) || (dims === 3 && slices !== 1)) report({ code: 'E069', slices, dims }, 'data.slices');
}

// ─── backbone ───────────────────────────────────────────────────────────────

/** The backbone's dimensionality matches the data: swin_unet takes 2D crops, nnformer 3D patches. */
export function checkBackboneMatchesData({ ir, report }: RunContext): void {
  const backbone = ir.model.backbone;
  if (ir.data.crop.length !== backbone.dims) {
    report({ code: 'E057', backbone: backbone.kind, backboneDims: backbone.dims, cropRank: ir.data.crop.length }, 'data.crop');
  }
}

/** `heads` and per-stage windows have one entry per encoder stage (`depths`); `decoder_depths` one per stage, or one per stage but the bottleneck. */
export function checkStageListsMatch({ ir, report }: RunContext): void {
  const b = ir.model.backbone;
  const stages = b.depths.length;
  const lists: [string, number][] = [['heads', b.heads.length]];
  if (b.kind === 'nnformer') lists.push(['window', b.window.length]);
  // The decoder has one stage per encoder stage but the bottleneck; a value for the bottleneck (as in the paper's Table 3) is accepted and unused.
  if (b.decoderDepths.length !== stages && b.decoderDepths.length !== stages - 1) lists.push(['decoder_depths', b.decoderDepths.length]);
  for (const [name, length] of lists) {
    if (name === 'decoder_depths' || length !== stages) report({ code: 'E064', depths: stages, other: name, length }, `model.backbone.${name === 'decoder_depths' ? 'decoderDepths' : name}`);
  }
}

/** Channel width of encoder stage i (0-based): C · 2^i. */
const stageWidth = (embed: number, i: number) => embed * 2 ** i;

/** Swin/nnFormer attention: the heads of stage i divide its width C · 2^i. */
export function checkHeadsDivideDim({ ir, report }: RunContext): void {
  const b = ir.model.backbone;
  b.heads.forEach((heads, i) => {
    if (i >= b.depths.length) return;
    const width = stageWidth(b.embed, i);
    if (width % heads !== 0) report({ code: 'E055', stage: i + 1, heads, width }, `model.backbone.heads.${i}`);
  });
}

/** The crop is a multiple of patch · 2^(S−1), so the token grid stays whole through the S − 1 patch mergings. */
export function checkPatchDividesCrop({ ir, report }: RunContext): void {
  const { crop } = ir.data;
  const { patch, depths } = ir.model.backbone;
  if (crop.length !== patch.length) return; // checkBackboneMatchesData reports it
  const multiple = patch.map((p) => p * 2 ** (depths.length - 1));
  if (crop.some((c, d) => c % multiple[d]! !== 0)) report({ code: 'E070', crop, patch, stages: depths.length, multiple }, 'data.crop');
}

/**
 * The window divides the token grid at every stage: grid_i = crop / patch / 2^(i-1).
 * As in Swin, a window at least as large as the grid covers the whole grid (it is
 * clipped to it), so only a smaller window must divide it.
 */
export function checkWindowDividesResolution({ ir, report }: RunContext): void {
  const { crop } = ir.data;
  const b = ir.model.backbone;
  if (crop.length !== b.patch.length || crop.some((c, d) => c % (b.patch[d]! * 2 ** (b.depths.length - 1)) !== 0)) return; // checkPatchDividesCrop reports it
  const windows: number[][] = b.kind === 'swin_unet' ? b.depths.map(() => b.window) : b.window;
  for (let i = 0; i < b.depths.length; i++) {
    const grid = crop.map((c, d) => c / b.patch[d]! / 2 ** i);
    const window = windows[i] ?? windows[windows.length - 1]!;
    const fits = grid.every((g, d) => {
      const w = window[d]!;
      return w >= g || g % w === 0;
    });
    if (!fits) {
      report({ code: 'E056', stage: i + 1, grid: grid.map((g) => +g.toFixed(3)), window }, b.kind === 'nnformer' && b.window.length > 1 ? `model.backbone.window.${i}` : 'model.backbone.window');
      return;
    }
  }
}

// ─── EAM ────────────────────────────────────────────────────────────────────

/** Decoder scales that can hold an EAM: one per up-sampling stage, depths.length − 1 (3 for the paper's 4 stages). */
const decoderStages = (ir: RunIR) => ir.model.backbone.depths.length - 1;

/**
 * Width at EAM scale λ (1 = the coarsest decoder scale, paper §2.2: 4C at scale 1, then
 * 2C, C): C · 2^(S − 1 − λ) for S encoder stages.
 */
export const eamWidth = (embed: number, stages: number, scale: number) => embed * 2 ** (stages - 1 - scale);

/** EAM scales exist in the backbone's decoder. */
export function checkEamStagesExist({ ir, report }: RunContext): void {
  const available = decoderStages(ir);
  for (const stage of ir.model.eam?.stages ?? []) {
    if (stage > available) report({ code: 'E053', stage, backbone: ir.model.backbone.kind, available }, 'model.eam.stages');
  }
}

/** EAM heads divide the channel width at each EAM scale (4C' = 4C / N, §2.2). */
export function checkEamHeadsDivideDim({ ir, report }: RunContext): void {
  const eam = ir.model.eam;
  if (!eam) return;
  const stages = ir.model.backbone.depths.length;
  for (const stage of eam.stages) {
    if (stage > stages - 1) continue;
    const width = eamWidth(ir.model.backbone.embed, stages, stage);
    if (width % eam.heads !== 0) {
      report({ code: 'E054', stage, heads: eam.heads, width }, 'model.eam.heads');
      return;
    }
  }
}

/** The auxiliary loss (eq. 9) supervises the EAMs' maps A: no EAM, no aux. */
export function checkAuxNeedsEam({ ir, report }: RunContext): void {
  if (ir.loss.aux && !ir.model.eam) report({ code: 'E067' }, 'loss.aux');
}

// ─── joint training and consistency ─────────────────────────────────────────

/** L_mcr and L_icr compare two modalities, and joint v1/v2/v3 trains them together: both need ≥ 2 modalities. */
export function checkConsistencyNeedsTwoModalities({ ir, report }: RunContext): void {
  const modalities = ir.data.modalities.length;
  if (modalities >= 2) return;
  if (ir.model.joint !== 'separate') report({ code: 'E058', term: ir.model.joint, modalities }, 'model.joint');
  if (ir.loss.mcr) report({ code: 'E058', term: 'mcr', modalities }, 'loss.mcr.weight');
  if (ir.loss.icr) report({ code: 'E058', term: 'icr', modalities }, 'loss.icr.weight');
}

/** L_mcr aligns the class embeddings and L_icr the correlations E that EAMs compute: both need EAMs. */
export function checkConsistencyNeedsEam({ ir, report }: RunContext): void {
  if (ir.model.eam) return;
  if (ir.loss.mcr) report({ code: 'E059', term: 'mcr' }, 'loss.mcr.weight');
  if (ir.loss.icr) report({ code: 'E059', term: 'icr' }, 'loss.icr.weight');
}

/** Joint v3's channel-wise multiplication is computed from the class embeddings (App. B.1). */
export function checkV3NeedsClassEmbedding({ ir, report }: RunContext): void {
  if (ir.model.joint === 'v3' && !ir.model.classEmbedding) report({ code: 'E060', joint: 'v3' }, 'model.classEmbedding');
}

/** An EAM's cross attention takes the class embeddings as its queries (eq. 1–3): no embeddings, no EAM. */
export function checkEamNeedsClassEmbedding({ ir, report }: RunContext): void {
  if (ir.model.eam && !ir.model.classEmbedding) report({ code: 'E072' }, 'model.classEmbedding');
}

/** τ > 0 in softmax(E/τ) of eq. (11). */
export function checkTauPositive({ ir, report }: RunContext): void {
  if (ir.loss.icr && !(ir.loss.icr.tau > 0)) report({ code: 'E062', tau: ir.loss.icr.tau }, 'loss.icr.tau');
}

/** Every loss weight (eq. 12) is ≥ 0. */
export function checkWeightsNonNegative({ ir, report }: RunContext): void {
  const weights: [string, number | undefined][] = [
    ['loss.seg', ir.loss.seg.ce < 0 ? ir.loss.seg.ce : ir.loss.seg.dice],
    ['loss.aux', ir.loss.aux ? Math.min(ir.loss.aux.weight, ir.loss.aux.ce, ir.loss.aux.dice) : undefined],
    ['loss.mcr.weight', ir.loss.mcr?.weight],
    ['loss.icr.weight', ir.loss.icr?.weight],
  ];
  for (const [path, weight] of weights) {
    if (weight !== undefined && weight < 0) report({ code: 'E063', path: path.replace(/\.weight$/, ''), weight }, path);
  }
}

// ─── datasets ───────────────────────────────────────────────────────────────

/** Both modalities share one class list: each lists one label value per class. */
export function checkLabelValuesMatchClasses({ dataset, report }: DatasetContext): void {
  for (const [modality, m] of Object.entries(dataset.modalities)) {
    if (m.labelValues.length !== dataset.classes.length) {
      report({ code: 'E061', modality, labelValues: m.labelValues.length, classes: dataset.classes.length }, `modalities.${modality}.label_values`);
    }
  }
}

/** A value read as background is not also a class's label value. */
export function checkBackgroundValuesAreNotClasses({ dataset, report }: DatasetContext): void {
  for (const [modality, m] of Object.entries(dataset.modalities)) {
    m.backgroundValues.forEach((value, i) => {
      const k = m.labelValues.indexOf(value);
      if (k >= 0) report({ code: 'E074', modality, value, className: dataset.classes[k] ?? String(value) }, `modalities.${modality}.background_values.${i}`);
    });
  }
}

/** A dataset has at least one modality. */
export function checkDatasetHasModalities({ dataset, report }: DatasetContext): void {
  if (Object.keys(dataset.modalities).length === 0) report({ code: 'E038', path: 'modalities' }, 'modalities');
}

/** A phantom is generated, so it must say how many cases each modality has. */
export function checkPhantomCasesStated({ dataset, report }: DatasetContext): void {
  if (dataset.source.kind !== 'phantom') return;
  for (const [modality, m] of Object.entries(dataset.modalities)) {
    if (m.cases === null) report({ code: 'E034', path: `modalities.${modality}`, key: 'cases' }, `modalities.${modality}`);
  }
}
