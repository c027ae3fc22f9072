/**
 * Learning-rate schedules, evaluated per optimisation step.
 *
 * - `poly(power)`: `lr = base · (1 − step/total)^power` (the Swin-Unet / nnFormer recipe).
 * - `cosine(warmupEpochs)`: linear warm-up from 0 over the warm-up steps, then
 *   `lr = base · ½(1 + cos(π · progress))` down to 0.
 * - `constant`: `lr = base`.
 */
export type ScheduleSpec =
  | { kind: 'poly'; power: number }
  | { kind: 'cosine'; warmupEpochs: number }
  | { kind: 'constant' };

export interface ScheduleContext {
  baseLr: number;
  totalSteps: number;
  stepsPerEpoch: number;
}

/** Learning rate for 0-based optimisation step `step`. */
export function learningRate(spec: ScheduleSpec, step: number, ctx: ScheduleContext): number {
  const { baseLr, totalSteps } = ctx;
  switch (spec.kind) {
    case 'constant':
      return baseLr;
    case 'poly':
      return baseLr * Math.pow(Math.max(0, 1 - step / totalSteps), spec.power);
    case 'cosine': {
      const warmup = Math.min(spec.warmupEpochs * ctx.stepsPerEpoch, totalSteps - 1);
      if (step < warmup) return (baseLr * (step + 1)) / warmup;
      const progress = (step - warmup) / Math.max(1, totalSteps - warmup);
      return baseLr * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }
  }
}
