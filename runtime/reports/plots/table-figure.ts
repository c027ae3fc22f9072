/**
 * A table's numbers as a figure, one per metric: the table's columns (modality × class, and
 * each modality's mean) along x, and per row our mean ± std over test volumes (filled
 * circles, error bars) beside the paper's mean ± std (open squares in the same colour),
 * where the paper prints them. Means over classes have no ± in the paper or in ours, so
 * they are drawn without bars. Pending rows show only the paper's series.
 */
import { columnTitle, METRIC_LABEL, type Metric, type Report } from '../report-model.ts';
import { PALETTE, type LineChartOptions, type Series } from './line-chart.ts';

/** The chart options for one metric of a report; null when neither we nor the paper have a number for it. */
export function tableFigure(report: Report, metric: Metric): LineChartOptions | null {
  const cells = report.modalities.flatMap((modality) => report.columns.map((column) => ({ modality, column })));
  const series: Series[] = [];
  report.rows.forEach((row, r) => {
    const colour = PALETTE[r % PALETTE.length]!;
    const grid = row.cells[metric];
    const ours: Series = { name: `${row.label}, ours`, points: [], errors: [], colour };
    const paper: Series = { name: `${row.label}, paper`, points: [], errors: [], colour, hollow: true };
    cells.forEach(({ modality, column }, x) => {
      const cell = grid?.[modality]?.[column];
      if (cell?.measured && Number.isFinite(cell.measured.mean)) {
        ours.points.push([x, cell.measured.mean]);
        ours.errors!.push(cell.measured.std);
      }
      if (cell?.paper) {
        paper.points.push([x, cell.paper.mean]);
        paper.errors!.push(cell.paper.std);
      }
    });
    if (ours.points.length) series.push(ours);
    if (paper.points.length) series.push(paper);
  });
  if (!series.length) return null;
  return {
    title: `${report.name}: ${METRIC_LABEL[metric]}, ours vs the paper`,
    xLabel: 'class (per modality)',
    yLabel: `${METRIC_LABEL[metric]}, mean ± std over test volumes`,
    series,
    categoricalX: true,
    categoryLabels: cells.map(({ modality, column }) => columnTitle(modality, column)),
    // 80 px per column, plus the axis and the legend (line-chart.ts sizes it by its longest name).
    width: 64 + 80 * cells.length + Math.max(150, Math.ceil(44 + 6.6 * Math.max(...series.map((s) => s.name.length)))),
    height: 420,
  };
}
