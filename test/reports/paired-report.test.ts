/**
 * Paired comparisons between table rows that share draws: pairing by draw + case id (a case
 * missing from one row is left out and counted), a volume matched in two draws counts once,
 * a row with no shared volume is "unpaired", and every rendered format carries the block.
 * Differences are worked out by hand in the comments; t, p and the interval come from scipy
 * 1.17 (`scipy.stats.ttest_1samp(d, 0)`, `.confidence_interval(0.95)`, `scipy.stats.wilcoxon(d)`).
 */
import { describe, expect, it } from 'vitest';
import type { TableIR } from '../../schemas/table-ir.schema.ts';
import { tableReport } from '../../runtime/reports/collect-results.ts';
import { pairCases } from '../../runtime/reports/pair-cases.ts';
import { renderCsv } from '../../runtime/reports/render-csv.ts';
import { renderHtml } from '../../runtime/reports/render-html.ts';
import { escapeLatex, renderLatex } from '../../runtime/reports/render-latex.ts';
import { formatP } from '../../runtime/reports/render-paired.ts';
import { renderMarkdown } from '../../runtime/reports/render-markdown.ts';
import type { CaseResult, RunResults } from '../../runtime/reports/run-results.ts';

const H = (c: string) => c.repeat(64);
const ct = (caseId: string, a: number, b: number): CaseResult => ({ modality: 'ct', caseId, scores: { dice: { A: a, B: b } } });
const run = (name: string, cases: CaseResult[]): RunResults => ({
  format: 'ablate-results', version: 1, run: name, specHash: H('0'), phantom: true, modalities: ['ct'], classes: ['A', 'B'], metrics: ['dice'], cases,
});

// Two draws each. The reference tests c3 in draw 0 and the row does not (a missing case);
// the row tests c5 in draw 1 and the reference does not. c1 is tested in both draws.
const reference = [
  [ct('c1', 0.8, 0.7), ct('c2', 0.6, 0.9), ct('c3', 0.5, 0.5)],
  [ct('c1', 0.7, 0.8), ct('c4', 0.9, 0.6)],
];
const row = [
  [ct('c1', 0.85, 0.72), ct('c2', 0.7, 0.88)],
  [ct('c1', 0.74, 0.86), ct('c4', 0.93, NaN), ct('c5', 0.1, 0.1)],
];
// Differences row − reference in Dice %:
//   c1: draw 0 A +5, B +2 (mean +3.5); draw 1 A +4, B +6 (mean +5) → A 4.5, B 4, mean 4.25
//   c2: A +10, B −2 → mean 4
//   c4: A +3, B undefined → mean 3 (its defined classes only)

describe('pairing by draw and case id', () => {
  it('matches only (draw, volume) present in both rows and averages a volume over its draws', () => {
    const p = pairCases(row, reference, ['ct'], ['A', 'B'], ['dice']);
    expect(p.pairs).toEqual({ ct: 4 }); // c1, c2 in draw 0; c1, c4 in draw 1
    expect(p.unmatched).toEqual({ ct: { rowOnly: ['1:c5'], referenceOnly: ['0:c3'] } });
    const cols = p.differences.dice!.ct!;
    expect(cols.mean!.caseIds).toEqual(['c1', 'c2', 'c4']); // n counts distinct volumes: 3, not 4 pairs
    expect(cols.mean!.diffs.map((d) => +d.toFixed(9))).toEqual([4.25, 4, 3]);
    expect(cols.A!.diffs.map((d) => +d.toFixed(9))).toEqual([4.5, 10, 3]);
    expect(cols.B!.caseIds).toEqual(['c1', 'c2']); // c4's B is undefined in the row
    expect(cols.B!.diffs.map((d) => +d.toFixed(9))).toEqual([4, -2]);
  });

  it('does not pair a volume tested in different draws', () => {
    const p = pairCases([[ct('c1', 0.9, 0.9)], []], [[], [ct('c1', 0.5, 0.5)]], ['ct'], ['A', 'B'], ['dice']);
    expect(p.pairs).toEqual({ ct: 0 });
    expect(p.unmatched).toEqual({ ct: { rowOnly: ['0:c1'], referenceOnly: ['1:c1'] } });
  });
});

describe('paired comparisons in a table report', () => {
  const table: TableIR = {
    irVersion: 1, name: 't7', title: 'T7', file: 't7.abl',
    rows: [
      { label: 'Other method', ref: null, kind: 'paper-only', runs: [], specHashes: [] },
      { label: 'Joint V3', ref: 'v3', kind: 'repeat', runs: ['v3#0', 'v3#1'], specHashes: [H('a'), H('b')] },
      { label: 'Joint V3 + L_mcr', ref: 'mcr', kind: 'repeat', runs: ['mcr#0', 'mcr#1'], specHashes: [H('c'), H('d')] },
      { label: 'Elsewhere', ref: 'other', kind: 'experiment', runs: ['other'], specHashes: [H('e')] },
      { label: 'Not run', ref: 'later', kind: 'experiment', runs: ['later'], specHashes: [H('f')] },
    ],
    columns: { metrics: ['dice'], modalities: ['ct'], classes: ['A', 'B'], mean: true },
    tolerance: { dice: 2 },
    paper: [],
  };
  const results = new Map<string, RunResults>([
    [H('a'), run('v3#0', reference[0]!)],
    [H('b'), run('v3#1', reference[1]!)],
    [H('c'), run('mcr#0', row[0]!)],
    [H('d'), run('mcr#1', row[1]!)],
    [H('e'), run('other', [ct('z9', 0.5, 0.5)])], // no volume in common with Joint V3
  ]);
  const report = tableReport(table, results);

  it('compares each measured row with the first measured row, and says which rows are unpaired', () => {
    const block = report.paired!;
    expect(block.reference).toBe('Joint V3');
    expect(block.alpha).toBe(0.05);
    expect(block.rows.map((r) => [r.label, r.status, r.pairs, r.unmatched])).toEqual([
      ['Joint V3 + L_mcr', 'paired', 4, 2],
      ['Elsewhere', 'unpaired', 0, 6], // its one volume and the reference's five (draw, volume)s
    ]);
    expect(block.rows[1]!.comparisons).toEqual({});
    const mean = block.rows[0]!.comparisons.dice!.ct!.mean!;
    expect(mean.n).toBe(3);
    expect(mean.meanDiff).toBeCloseTo(11.25 / 3, 9);
    // scipy: t = 9.8198, p = 0.010212, 95% CI (2.10690, 5.39310); Wilcoxon W = 0, p = 0.25 (exact, 2/2³).
    expect(mean.ttest!.t).toBeCloseTo(9.819805060619657, 6);
    expect(mean.ttest!.p).toBeCloseTo(0.01021179201718677, 8);
    expect(mean.ttest!.ci[0]).toBeCloseTo(2.1068973480678928, 6);
    expect(mean.ttest!.ci[1]).toBeCloseTo(5.393102651932107, 6);
    expect([mean.wilcoxon!.statistic, mean.wilcoxon!.p]).toEqual([0, 0.25]);
    // Class A: scipy t = 2.7414, p = 0.11129.
    const a = block.rows[0]!.comparisons.dice!.ct!.A!;
    expect(a.ttest!.p).toBeCloseTo(0.11128574679170526, 7);
  });

  it('a named reference row is used instead of the first', async () => {
    const { buildReport } = await import('../../runtime/reports/report-model.ts');
    const draws = (rs: CaseResult[][]) => ({ measured: { ct: {} }, measuredOverall: {}, paper: {}, paperOverall: {}, runs: [], pending: false, draws: rs });
    const r = buildReport({
      name: 'x', title: 'x', metrics: ['dice'], modalities: ['ct'], classes: ['A', 'B'], tolerance: {}, phantom: true,
      pairedReference: 'L_mcr', rows: [{ label: 'V3', ...draws(reference) }, { label: 'L_mcr', ...draws(row) }],
    });
    expect(r.paired!.reference).toBe('L_mcr');
    expect(r.paired!.rows[0]!.comparisons.dice!.ct!.mean!.meanDiff).toBeCloseTo(-11.25 / 3, 9); // reference − row now
  });

  it('a row naming its own reference (an ablation contract) is compared with that row', async () => {
    const { buildReport } = await import('../../runtime/reports/report-model.ts');
    const draws = (rs: CaseResult[][]) => ({ measured: { ct: {} }, measuredOverall: {}, paper: {}, paperOverall: {}, runs: [], pending: false, draws: rs });
    const shifted = row.map((d) => d.map((c) => ({ ...c, scores: { dice: { A: c.scores.dice!.A! + 0.01, B: c.scores.dice!.B! + 0.01 } } })));
    const r = buildReport({
      name: 'x', title: 'x', metrics: ['dice'], modalities: ['ct'], classes: ['A', 'B'], tolerance: {}, phantom: true,
      rows: [
        { label: 'V3', ...draws(reference) },
        { label: 'L_mcr', ...draws(row) },
        { label: 'L_mcr+1', ...draws(shifted), pairedWith: 'L_mcr' },
        { label: 'Orphan', ...draws(row), pairedWith: 'Not measured' },
      ],
    });
    expect(r.paired!.rows.map((p) => [p.label, p.reference])).toEqual([['L_mcr', 'V3'], ['L_mcr+1', 'L_mcr']]);
    expect(r.paired!.rows[1]!.comparisons.dice!.ct!.mean!.meanDiff).toBeCloseTo(1, 9); // +1 point on every volume
    const md = renderMarkdown(r);
    expect(md).toContain('### Paired comparisons (reference "V3" unless named)');
    // c1, c2, c4 and c5 (both rows test c5): n = 4; the differences are all 1 up to float rounding: no t.
    expect(md).toContain('| L_mcr+1 vs L_mcr | Dice (%) | CT | 4 | +1.00 | [1.00, 1.00] | – | – | 0 | 0.125 |');
  });

  it('a row with an ablation contract in the Table IR is paired with the row its contract names', () => {
    const contracted: TableIR = {
      ...table,
      rows: [
        ...table.rows.slice(0, 3),
        { label: 'Elsewhere', ref: 'other', kind: 'experiment', runs: ['other'], specHashes: [H('e')] },
        { label: 'L_mcr again', ref: 'mcr2', kind: 'repeat', runs: ['mcr#0', 'mcr#1'], specHashes: [H('c'), H('d')], contract: { from: 'Joint V3 + L_mcr', paths: ['loss.mcr'] } },
      ],
    };
    const r = tableReport(contracted, results);
    expect(r.paired!.rows.map((p) => [p.label, p.reference])).toEqual([
      ['Joint V3 + L_mcr', 'Joint V3'],
      ['Elsewhere', 'Joint V3'],
      ['L_mcr again', 'Joint V3 + L_mcr'],
    ]);
    // the same runs as the row it names: every paired difference is 0
    expect(r.paired!.rows[2]!.comparisons.dice!.ct!.mean!.meanDiff).toBe(0);
  });

  it('prints small p-values as <0.001, in math mode in LaTeX', () => {
    expect([formatP(0.0004), formatP(0.0102), formatP(null)]).toEqual(['<0.001', '0.010', '–']);
    expect(escapeLatex('<0.001')).toBe('$<$0.001');
  });

  it('no paired block with a single measured row', () => {
    const one = tableReport(table, new Map([[H('a'), results.get(H('a'))!], [H('b'), results.get(H('b'))!]]));
    expect(one.paired).toBeNull();
    expect(renderMarkdown(one)).not.toContain('Paired comparison');
  });

  it('every format renders the paired block', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('### Paired comparison with "Joint V3"');
    expect(md).toContain('| Method | Metric | Modality | n | Δ (row − ref.) | 95% CI | t (df) | p (t) | W | p (W) |');
    expect(md).toContain('| Joint V3 + L_mcr | Dice (%) | CT | 3 | +3.75 | [2.11, 5.39] | 9.82 (2) | 0.010 | 0 | 0.250 |');
    expect(md).toContain('| Elsewhere | – | – | 0 | unpaired | – | – | – | – | – |');
    expect(md).toContain('"Elsewhere" is unpaired: it shares no test volume (in the same draw) with "Joint V3", so it is not compared.');
    expect(md).toContain('"Joint V3 + L_mcr": 4 (draw, volume) pairs; 2 tested by only one of "Joint V3 + L_mcr" and "Joint V3", left out.');
    const tex = renderLatex(report);
    expect(tex).toContain('\\label{tab:t7-paired}');
    expect(tex).toContain('Joint V3 + L\\_mcr & Dice (\\%) & CT & 3 & +3.75 & [2.11, 5.39] & 9.82 (2) & 0.010 & 0 & 0.250 \\\\');
    const html = renderHtml(report);
    expect(html).toContain('<h2>Paired comparison with &quot;Joint V3&quot;</h2>');
    expect(html).toContain('<tr><td>Joint V3 + L_mcr</td><td>Dice (%)</td><td>CT</td><td>3</td><td>+3.75</td><td>[2.11, 5.39]</td>');
    const csv = renderCsv(report).split('\n');
    const header = csv[0]!.split(',');
    const line = (method: string, column: string) => {
      const fields = csv.find((l) => l.startsWith(`t7,${method},dice,ct,${column},`))!.split(',');
      return Object.fromEntries(header.map((h, i) => [h, fields[i]]));
    };
    const m = line('Joint V3 + L_mcr', 'mean');
    expect([m.paired_reference, m.paired_status, m.paired_n, m.paired_df, m.wilcoxon_w, m.wilcoxon_p]).toEqual(['Joint V3', 'paired', '3', '2', '0', '0.25']);
    expect(Number(m.paired_delta)).toBeCloseTo(3.75, 9);
    expect(Number(m.paired_p)).toBeCloseTo(0.0102117920172, 8);
    expect(line('Joint V3 + L_mcr', 'B').paired_n).toBe('2');
    expect(line('Joint V3', 'mean').paired_status).toBe('reference');
    expect([line('Elsewhere', 'A').paired_status, line('Elsewhere', 'A').paired_n]).toEqual(['unpaired', '0']);
    expect(line('Not run', 'A').paired_status).toBe('');
  });
});
