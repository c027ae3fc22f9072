/**
 * A table's figure: per row our mean ± std (filled circles, error bars) beside the paper's
 * mean ± std (open squares, same colour), at the table's columns, with a legend. Positions
 * are read back from the SVG through the y axis' own tick labels, so the test checks that
 * each marker and bar sits at its value, not just that elements exist.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../runtime/reports/report-model.ts';
import { lineChartSvg, PALETTE } from '../../runtime/reports/plots/line-chart.ts';
import { tableFigure } from '../../runtime/reports/plots/table-figure.ts';

const input: ReportInput = {
  name: 't7', title: 'T7', metrics: ['dice', 'asd'], modalities: ['ct', 'mri'], classes: ['Liver', 'Spleen'], tolerance: {}, phantom: true,
  rows: [
    {
      label: 'Joint V3', runs: ['v3'], pending: false,
      paper: { ct: { dice: { Liver: { mean: 94.6, std: 2.2 }, Spleen: { mean: 93.3, std: 1.8 }, mean: { mean: 94.0, std: null } } } },
      paperOverall: {},
      measured: {
        ct: { dice: { Liver: { mean: 80, std: 5, n: 4 }, Spleen: { mean: 70, std: 10, n: 4 }, mean: { mean: 75, std: null, n: 4 } } },
        mri: { dice: { Liver: { mean: 60, std: 4, n: 3 }, Spleen: { mean: NaN, std: NaN, n: 0 }, mean: { mean: 60, std: null, n: 3 } } },
      },
      measuredOverall: {},
    },
    {
      label: 'Not run yet', runs: ['x'], pending: true, measured: null, measuredOverall: {}, paperOverall: {},
      paper: { mri: { dice: { Liver: { mean: 90.0, std: 3.0 } } } },
    },
  ],
};

/** The data value at an SVG y coordinate, from two of the y axis' tick labels (drawn at sy(v) + 4). */
function yScale(svg: string): (py: number) => number {
  const ticks = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" text-anchor="end">([\d.]+)<\/text>/g)].map((m) => [Number(m[1]) - 4, Number(m[2])] as const);
  const [[p0, v0], [p1, v1]] = [ticks[0]!, ticks[ticks.length - 1]!];
  return (py) => v0 + ((py - p0) * (v1 - v0)) / (p1 - p0);
}

describe('table figures', () => {
  const report = buildReport(input);

  it('draw the paper as a second series of open squares, at its values, with ± its std', () => {
    const chart = tableFigure(report, 'dice')!;
    expect(chart.series.map((s) => [s.name, s.hollow ?? false, s.colour])).toEqual([
      ['Joint V3, ours', false, PALETTE[0]],
      ['Joint V3, paper', true, PALETTE[0]],
      ['Not run yet, paper', true, PALETTE[1]], // a pending row still shows the paper's numbers
    ]);
    expect(chart.categoryLabels).toEqual(['CT Liver', 'CT Spleen', 'CT Mean', 'MRI Liver', 'MRI Spleen', 'MRI Mean']);
    const svg = lineChartSvg(chart);
    const y = yScale(svg);
    // Paper squares (7 px wide, centred): Joint V3 at CT Liver, CT Spleen, CT Mean; the pending row at MRI Liver; + 2 legend squares.
    const squares = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="7" height="7" fill="white" stroke="([^"]+)"/g)]
      .map((m) => ({ x: Number(m[1]) + 3.5, value: y(Number(m[2]) + 3.5), colour: m[3] }));
    expect(squares).toHaveLength(6);
    expect(squares.slice(0, 3).map((s) => +s.value.toFixed(1))).toEqual([94.6, 93.3, 94.0]);
    expect(+squares[3]!.value.toFixed(1)).toBe(90.0);
    expect(squares[3]!.colour).toBe(PALETTE[1]);
    // Ours: filled circles at 80, 70, 75 (CT) and 60 (MRI Liver; MRI Spleen is undefined), + 1 legend circle.
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="3.5" fill="([^"]+)"/g)].map((m) => ({ x: Number(m[1]), value: y(Number(m[2])) }));
    expect(circles.slice(0, 4).map((c) => +c.value.toFixed(1))).toEqual([80, 70, 75, 60]);
    // The two series of a row sit side by side at each column (dodged), ours left of the paper's.
    expect(circles[0]!.x).toBeLessThan(squares[0]!.x);
    expect(squares[0]!.x - circles[0]!.x).toBeLessThan(10);
    // Error bars: a vertical line per ± std. Paper CT Liver: 94.6 ± 2.2; ours CT Spleen: 70 ± 10. Means have none.
    const bars = [...svg.matchAll(/<line x1="([\d.]+)" y1="([\d.]+)" x2="\1" y2="([\d.]+)" stroke="[^"]+" stroke-width="1.2"\/>/g)]
      .map((m) => ({ x: Number(m[1]), half: (y(Number(m[2])) - y(Number(m[3]))) / 2 }));
    const barAt = (x: number) => bars.find((b) => Math.abs(b.x - x) < 0.2)!;
    expect(+barAt(squares[0]!.x).half.toFixed(1)).toBe(2.2);
    expect(+barAt(circles[1]!.x).half.toFixed(1)).toBe(10);
    expect(bars.find((b) => Math.abs(b.x - circles[2]!.x) < 0.2)).toBeUndefined(); // CT Mean: no ± in ours
    expect(bars).toHaveLength(3 + 2 + 1); // ours CT Liver, CT Spleen, MRI Liver; paper CT Liver, CT Spleen; pending MRI Liver
    // Legend and column ticks.
    for (const name of ['Joint V3, ours', 'Joint V3, paper', 'Not run yet, paper']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain('text-anchor="middle">MRI Spleen</text>');
  });

  it('has no figure for a metric that neither we nor the paper report', () => {
    expect(tableFigure(report, 'asd')).toBeNull();
  });
});
