import { describe, expect, it } from 'vitest';
import { learningRate } from '../../runtime/train/schedule.ts';

const ctx = { baseLr: 0.05, totalSteps: 100, stepsPerEpoch: 10 };

describe('learning-rate schedules', () => {
  it('poly(0.9) follows base·(1 − t/T)^0.9', () => {
    expect(learningRate({ kind: 'poly', power: 0.9 }, 0, ctx)).toBe(0.05);
    expect(learningRate({ kind: 'poly', power: 0.9 }, 50, ctx)).toBeCloseTo(0.05 * 0.5 ** 0.9, 12);
    expect(learningRate({ kind: 'poly', power: 0.9 }, 100, ctx)).toBe(0);
  });

  it('cosine warms up linearly over the warm-up epochs, then decays to 0', () => {
    const spec = { kind: 'cosine', warmupEpochs: 1 } as const;
    expect(learningRate(spec, 0, ctx)).toBeCloseTo(0.005, 12);
    expect(learningRate(spec, 9, ctx)).toBeCloseTo(0.05, 12);
    // Half way through the 90 decay steps: cos(π/2) = 0 → base/2.
    expect(learningRate(spec, 55, ctx)).toBeCloseTo(0.025, 12);
    expect(learningRate(spec, 100, ctx)).toBeCloseTo(0, 12);
  });

  it('constant', () => {
    expect(learningRate({ kind: 'constant' }, 77, ctx)).toBe(0.05);
  });
});
