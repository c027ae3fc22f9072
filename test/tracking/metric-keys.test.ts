import { describe, expect, it } from 'vitest';
import { parseTestMetricKey, testMetricKey, testSummaryKey, trainLossKey, valDiceKey } from '../../runtime/tracking/metric-keys.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';

describe('metric keys', () => {
  it('names training, validation and test metrics', () => {
    expect(trainLossKey('seg', 'ct')).toBe('train.loss.seg.ct');
    expect(trainLossKey('icr')).toBe('train.loss.icr');
    expect(valDiceKey('mri')).toBe('val.dice.mri');
    expect(testMetricKey('asd', 'ct', 'LV myocardium')).toBe('test.asd.ct.LV myocardium');
    expect(testSummaryKey('dice', 'mri', 'std')).toBe('test.dice.mri.std');
  });
  it('parses test keys back, class names with dots included', () => {
    expect(parseTestMetricKey('test.dice.ct.AA')).toEqual({ metric: 'dice', modality: 'ct', className: 'AA' });
    expect(parseTestMetricKey('test.asd.mri.a.b')).toEqual({ metric: 'asd', modality: 'mri', className: 'a.b' });
    expect(parseTestMetricKey('val.dice.ct')).toBeUndefined();
  });
  it('rejects names MLflow cannot store', () => {
    expect(() => testMetricKey('dice', 'ct', 'L/R:kidney')).toThrow(TrackingError);
  });
});
