import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../runtime/reports/report-model.ts';
import { renderCsv } from '../../runtime/reports/render-csv.ts';
import { renderHtml } from '../../runtime/reports/render-html.ts';
import { renderLatex } from '../../runtime/reports/render-latex.ts';
import { renderMarkdown } from '../../runtime/reports/render-markdown.ts';
import { aggregateResults, resultsFromJson, resultsToJson, type RunResults } from '../../runtime/reports/run-results.ts';

const golden = path.join(import.meta.dirname, 'golden');

/** Two repeat draws of a run: the aggregation pools their volumes. */
const draws: RunResults[] = [
  {
    format: 'ablate-results', version: 1, run: 'ours#0', specHash: 'a'.repeat(64), phantom: true,
    modalities: ['ct', 'mri'], classes: ['LV', 'AA'], metrics: ['dice', 'asd'],
    cases: [
      { modality: 'ct', caseId: 'c1', scores: { dice: { LV: 0.9, AA: 0.8 }, asd: { LV: 1.0, AA: 2.0 } } },
      { modality: 'ct', caseId: 'c2', scores: { dice: { LV: 0.8, AA: NaN }, asd: { LV: 3.0, AA: NaN } } },
      { modality: 'mri', caseId: 'm1', scores: { dice: { LV: 0.7, AA: 0.6 }, asd: { LV: 2.5, AA: 1.5 } } },
    ],
  },
  {
    format: 'ablate-results', version: 1, run: 'ours#1', specHash: 'b'.repeat(64), phantom: true,
    modalities: ['ct', 'mri'], classes: ['LV', 'AA'], metrics: ['dice', 'asd'],
    cases: [{ modality: 'mri', caseId: 'm2', scores: { dice: { LV: 0.5, AA: 0.4 }, asd: { LV: 3.5, AA: 2.5 } } }],
  },
];

function input(): ReportInput {
  const { grid, overall } = aggregateResults(draws, ['ct', 'mri'], ['LV', 'AA'], ['dice', 'asd']);
  return {
    name: 'demo', title: 'A demo table', metrics: ['dice', 'asd'], modalities: ['ct', 'mri'], classes: ['LV', 'AA'],
    tolerance: { dice: 5, asd: 0.5 }, phantom: true,
    rows: [
      {
        label: 'Other | method', runs: [], pending: false, measured: null, measuredOverall: {},
        paper: { ct: { dice: { LV: { mean: 88.0, std: 2.0 }, mean: { mean: 85.0, std: null } } } },
        paperOverall: { dice: 84.2 },
      },
      {
        label: 'Ours (w/ CR)', runs: ['ours#0', 'ours#1'], pending: false, measured: grid, measuredOverall: overall,
        paper: {
          ct: { dice: { LV: { mean: 90.9, std: 1.5 }, AA: { mean: 70.0, std: 3.0 }, mean: { mean: 80.5, std: null } }, asd: { LV: { mean: 1.31, std: 0.27 } } },
          mri: { dice: { LV: { mean: 60.0, std: 10.0 } } },
        },
        paperOverall: { dice: 70.0, asd: 1.39 },
      },
      { label: 'Baseline', runs: [], pending: true, measured: null, measuredOverall: {}, paper: {}, paperOverall: {} },
    ],
  };
}

describe('aggregation of per-volume results', () => {
  it('pools volumes over draws, skips missing values, reports Dice in %', () => {
    const { grid, overall } = aggregateResults(draws, ['ct', 'mri'], ['LV', 'AA'], ['dice', 'asd']);
    // CT LV: values 90, 80 → mean 85, population std 5.
    expect(grid.ct!.dice!.LV).toEqual({ mean: 85, std: 5, n: 2 });
    // CT AA: one valid value (the NaN is skipped, not read as 0).
    expect(grid.ct!.dice!.AA!.n).toBe(1);
    expect(grid.ct!.dice!.AA!.mean).toBeCloseTo(80, 12);
    // MRI LV pools both draws: 70 and 50.
    expect(grid.mri!.dice!.LV!.mean).toBeCloseTo(60, 12);
    expect(grid.mri!.dice!.LV!.std).toBeCloseTo(10, 12);
    // Mean column = mean of class means; overall = mean of modality means.
    expect(grid.ct!.dice!.mean!.mean).toBeCloseTo((85 + 80) / 2, 12);
    expect(grid.mri!.dice!.mean!.mean).toBeCloseTo((60 + 50) / 2, 12);
    expect(overall.dice).toBeCloseTo((82.5 + 55) / 2, 12);
    expect(grid.ct!.asd!.LV!.mean).toBe(2);
  });

  it('round-trips results.json with missing values as null', () => {
    const text = resultsToJson(draws[0]!);
    expect(text).toContain('"AA": null');
    const back = resultsFromJson(text, 'results.json');
    expect(back.cases[1]!.scores.dice!.AA).toBeNaN();
    expect(back.cases[0]!.scores.dice!.LV).toBe(0.9);
    expect(() => resultsFromJson('{"format":"other"}', 'x.json')).toThrow(/x.json: not an ablate results file/);
  });
});

describe('paper-vs-measured report', () => {
  it('compares against the tolerance cell by cell', () => {
    const report = buildReport(input());
    const ours = report.rows[1]!;
    const lv = ours.cells.dice!.ct!.LV!;
    expect(lv.delta).toBeCloseTo(85 - 90.9, 12);
    expect(lv.withinTolerance).toBe(false);
    expect(ours.cells.dice!.ct!.AA!.withinTolerance).toBe(false); // 80 vs 70
    expect(ours.cells.dice!.mri!.LV!.withinTolerance).toBe(true); // 60 vs 60
    expect(ours.cells.dice!.mri!.AA!.delta).toBeNull(); // paper prints nothing there
    expect(report.rows[0]!.paperOnly).toBe(true);
    expect(report.rows[2]!.pending).toBe(true);
  });

  const formats = [
    ['report.md', renderMarkdown],
    ['report.csv', renderCsv],
    ['report.tex', renderLatex],
    ['report.html', renderHtml],
  ] as const;
  for (const [file, render] of formats) {
    it(`renders ${file} as the golden file`, () => {
      const text = render(buildReport(input()));
      const target = path.join(golden, file);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(target, text);
      expect(existsSync(target), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(text).toBe(readFileSync(target, 'utf8'));
    });
  }
});
