/**
 * Pooling over a repeat's draws: a volume tested in several draws counts once (its mean
 * score), and a figure over a repeat of a sweep plots, per x, the value over distinct
 * volumes with ± the std over the draws, plus reference lines; the chart draws both.
 * Expected numbers are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { FigureIR } from '../../schemas/figure-ir.schema.ts';
import type { TableIR } from '../../schemas/table-ir.schema.ts';
import { figureSeries, tableReport } from '../../runtime/reports/collect-results.ts';
import { renderHtml } from '../../runtime/reports/render-html.ts';
import { renderLatex } from '../../runtime/reports/render-latex.ts';
import { renderMarkdown } from '../../runtime/reports/render-markdown.ts';
import { lineChartSvg } from '../../runtime/reports/plots/line-chart.ts';
import { poolByVolume } from '../../runtime/reports/pool-volumes.ts';
import { aggregateResults, type CaseResult, type RunResults } from '../../runtime/reports/run-results.ts';

const H = (c: string) => c.repeat(64);
const dice = (modality: string, caseId: string, a: number, b: number): CaseResult => ({ modality, caseId, scores: { dice: { A: a, B: b } } });
const run = (name: string, cases: CaseResult[]): RunResults => ({
  format: 'ablate-results', version: 1, run: name, specHash: H('0'), phantom: true, modalities: ['ct'], classes: ['A', 'B'], metrics: ['dice'], cases,
});

describe('pooling by distinct volume', () => {
  it('averages a volume over the draws that tested it; n counts volumes', () => {
    const pooled = poolByVolume([dice('ct', 'c1', 0.8, NaN), dice('ct', 'c2', 0.5, 0.5), dice('ct', 'c1', 0.6, 0.9), dice('mri', 'c1', 0.1, 0.1)]);
    expect(pooled.map((c) => [c.modality, c.caseId, c.draws, c.scores.dice!.A, c.scores.dice!.B])).toEqual([
      ['ct', 'c1', 2, 0.7, 0.9], // A: (0.8 + 0.6) / 2; B: the NaN is skipped
      ['ct', 'c2', 1, 0.5, 0.5],
      ['mri', 'c1', 1, 0.1, 0.1], // same id, other modality: another volume
    ]);
    // Two draws that both test c1: class A pools c1 = 70 and c2 = 50 → mean 60, std 10, n = 2 (not 3).
    const { grid } = aggregateResults([run('d0', [dice('ct', 'c1', 0.8, 0.8)]), run('d1', [dice('ct', 'c1', 0.6, 0.6), dice('ct', 'c2', 0.5, 0.5)])], ['ct'], ['A', 'B'], ['dice']);
    expect(grid.ct!.dice!.A!.mean).toBeCloseTo(60, 10);
    expect(grid.ct!.dice!.A!.std).toBeCloseTo(10, 10);
    expect(grid.ct!.dice!.A!.n).toBe(2);
    expect(grid.ct!.dice!.mean!.n).toBe(2);
  });
});

describe('figures over a repeat of a sweep', () => {
  // τ = 1: draws with Dice (A, B) per volume: d0 {c1: .6/.8}, d1 {c2: .8/1.0} → per-draw CT mean 70 and 90.
  // τ = 2: d0 {c1: .5/.5}, d1 {c1: .7/.7} → c1 once with .6/.6 → 60; per draw 50 and 70.
  const results = new Map<string, RunResults>([
    [H('a'), run('t1#0', [dice('ct', 'c1', 0.6, 0.8)])],
    [H('b'), run('t1#1', [dice('ct', 'c2', 0.8, 1.0)])],
    [H('c'), run('t2#0', [dice('ct', 'c1', 0.5, 0.5)])],
    [H('d'), run('t2#1', [dice('ct', 'c1', 0.7, 0.7)])],
    [H('e'), run('ref', [dice('ct', 'c3', 0.65, 0.65)])],
  ]);
  const figure: FigureIR = {
    irVersion: 1, name: 'f', title: null, file: 'f.abl', sweep: 'x2', x: 'loss.icr.tau', y: 'dice.mean',
    points: [
      { run: 't1#0', x: 1, draw: 0, specHash: H('a') },
      { run: 't1#1', x: 1, draw: 1, specHash: H('b') },
      { run: 't2#0', x: 2, draw: 0, specHash: H('c') },
      { run: 't2#1', x: 2, draw: 1, specHash: H('d') },
      { run: 't3#0', x: 3, draw: 0, specHash: H('f') }, // not run yet
    ],
    references: [{ label: 'Joint V3', ref: 'ref', runs: ['ref'], specHashes: [H('e')] }],
  };

  it('y pools the distinct volumes of the draws at x; the error bar is the std over the draws', () => {
    const { series, references, missing } = figureSeries(figure, results);
    const overall = series.find((s) => s.name === 'Overall')!;
    // τ = 1: volumes c1 (70) and c2 (90) → 80, draws 70 / 90 → std 10. τ = 2: 60, draws 50 / 70 → std 10.
    expect(overall.points.map(([x, y]) => [x, Number(y.toFixed(9))])).toEqual([[1, 80], [2, 60]]);
    expect(overall.errors.map((e) => Number(e!.toFixed(9)))).toEqual([10, 10]);
    expect(overall.draws).toEqual([2, 2]);
    expect(references).toEqual([{ name: 'Joint V3', y: expect.closeTo(65, 9), spread: null, runs: 1 }]);
    expect(missing).toEqual(['t3#0']);
  });

  it('the chart draws capped error bars and a dashed reference line with its legend entry', () => {
    const { series, references } = figureSeries(figure, results);
    const svg = lineChartSvg({ title: 'Fig. 5', xLabel: 'τ', yLabel: 'Dice', series, references, markers: true });
    // Two series (CT, Overall) × two points × (bar + two caps) = 12 lines with stroke-width 1.2.
    expect(svg.match(/stroke-width="1.2"/g)).toHaveLength(12);
    expect(svg.match(/stroke-dasharray="6 4"/g)).toHaveLength(2); // the line and its legend sample
    expect(svg).toContain('>Joint V3</text>');
    // The y range holds the bars: 50 (60 − 10) and 90 (80 + 10) are inside the plot.
    const ticks = [...svg.matchAll(/text-anchor="end">([\d.]+)</g)].map((m) => Number(m[1]));
    expect(Math.min(...ticks)).toBeLessThanOrEqual(50);
    expect(Math.max(...ticks)).toBeGreaterThanOrEqual(90);
  });
});

describe('label-centred crops are marked in reports', () => {
  const table: TableIR = {
    irVersion: 1, name: 't', title: 'T', file: 't.abl',
    rows: [
      { label: 'Ours', ref: 'ours', kind: 'experiment', runs: ['ours'], specHashes: [H('a')] },
      { label: 'Paper crop', ref: 'paper_crop', kind: 'experiment', runs: ['paper_crop'], specHashes: [H('b')] },
    ],
    columns: { metrics: ['dice'], modalities: ['ct'], classes: ['A', 'B'], mean: true },
    tolerance: {},
    paper: [],
  };

  it('names the rows whose test crops were placed with the test labels, in every rendered format', () => {
    const results = new Map<string, RunResults>([
      [H('a'), { ...run('ours', [dice('ct', 'c1', 0.5, 0.5)]), cropAt: 'image' }],
      [H('b'), { ...run('paper_crop', [dice('ct', 'c1', 0.6, 0.6)]), cropAt: 'label' }],
    ]);
    const report = tableReport(table, results);
    expect(report.labelCropRows).toEqual(['Paper crop']);
    const notice = `Label-centred crop (data.crop_at: label, the paper's protocol): the test inputs of "Paper crop" were placed with the test labels.`;
    expect(renderMarkdown(report)).toContain(`> ${notice}`);
    expect(renderLatex(report)).toContain(`% ${notice}`);
    expect(renderHtml(report)).toContain('the test inputs of &quot;Paper crop&quot; were placed with the test labels.');
    // No label-centred row: no notice.
    const plain = tableReport(table, new Map([[H('a'), results.get(H('a'))!], [H('b'), { ...results.get(H('b'))!, cropAt: 'image' as const }]]));
    expect(plain.labelCropRows).toEqual([]);
    expect(renderMarkdown(plain)).not.toContain('Label-centred');
  });
});
