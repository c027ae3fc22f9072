/**
 * Evaluation of a trained model on whole volumes with the EAM-free inference graph
 * (paper §2.1: "we discard all EAMs"): slice-wise for 2D models (each slice with its
 * neighbours as channels), sliding windows for 3D models, then argmax and per-class
 * Dice / ASD / HD95.
 *
 * Metrics are computed on the preprocessed grid (after resampling to `data.spacing` and
 * cropping), with that grid's voxel spacing in mm — the grid the paper's protocol
 * evaluates on (App. C). Conventions are those of `runtime/metrics/score.ts`: Dice per
 * class per volume, ASD/HD95 in mm, empty masks reported as missing (NaN), never 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { argmaxClasses, predictVolume2D, predictVolume3D, type PredictBatch } from '../data/volume-inference.ts';
import type { PreprocessedCase } from '../data/preprocess.ts';
import { scoreLabelVolumes, type MetricName } from '../metrics/score.ts';
import type { InferenceModel } from '../model/build-model.ts';
import type { CaseResult } from '../reports/run-results.ts';

/** Softmax probabilities of a batch, for the volume-inference helpers. */
export function predictor(model: InferenceModel, modality: string, dims: 2 | 3): PredictBatch {
  return (image, shape) => {
    const probs = tf.tidy(() => {
      // 2D: [B, H, W, C]; 3D: [B, D, H, W, 1] is folded to [B*D, H, W, 1] (the models stay at rank 4).
      const x = dims === 2
        ? tf.tensor4d(image, shape as [number, number, number, number])
        : tf.tensor4d(image, [shape[0]! * shape[1]!, shape[2]!, shape[3]!, shape[4]!]);
      return tf.softmax(model.predict(x, modality));
    });
    const out = probs.dataSync() as Float32Array;
    probs.dispose();
    return out;
  };
}

export interface CasePrediction {
  case: PreprocessedCase;
  /** Class index per voxel, x fastest, on the preprocessed grid. */
  labels: Uint8Array;
}

/** Predicts one preprocessed case. */
export async function predictCase(model: InferenceModel, ir: RunIR, modality: string, c: PreprocessedCase): Promise<CasePrediction> {
  return predictCaseWith(predictor(model, modality, ir.data.dims), ir, c);
}

/** Predicts one preprocessed case with any batch predictor (tfjs, or ONNX Runtime for `predict --onnx`). */
export async function predictCaseWith(predict: PredictBatch, ir: RunIR, c: PreprocessedCase): Promise<CasePrediction> {
  const K = ir.model.numClasses;
  const probs = ir.data.dims === 2
    ? await predictVolume2D(c, ir.data.slices, K, predict)
    : await predictVolume3D(c, ir.data.crop, K, predict, { overlap: ir.eval.overlap });
  return { case: c, labels: argmaxClasses(probs, K) };
}

/** Scores a prediction against the case's reference labels. */
export function scoreCase(ir: RunIR, modality: string, p: CasePrediction, metrics: readonly MetricName[]): CaseResult {
  const classes = ir.dataset.classes.map((name, i) => ({ name, value: i + 1 }));
  const score = scoreLabelVolumes(p.labels, p.case.label, p.case.dims, { classes, spacingMm: p.case.spacing, metrics });
  const scores: CaseResult['scores'] = {};
  for (const metric of metrics) scores[metric] = Object.fromEntries(score.classes.map((c) => [c.name, c[metric]]));
  return { modality, caseId: p.case.id, scores };
}

/** Mean foreground Dice over `cases` as a fraction in [0, 1] (validation during training, logged in % as `val.dice.*`; NaN classes skipped). */
export async function meanDice(model: InferenceModel, ir: RunIR, modality: string, cases: readonly PreprocessedCase[]): Promise<number> {
  const values: number[] = [];
  for (const c of cases) {
    const r = scoreCase(ir, modality, await predictCase(model, ir, modality, c), ['dice']);
    for (const v of Object.values(r.scores.dice ?? {})) if (!Number.isNaN(v)) values.push(v);
  }
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}
