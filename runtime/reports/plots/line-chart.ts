/**
 * Line charts as standalone SVG: training curves (one series per loss term) and sweep
 * plots such as the paper's Fig. 5 (overall mean Dice against τ). No dependencies: the
 * chart is a few dozen elements, and SVG opens in every browser and in MLflow's UI.
 */
import { escapeHtml } from '../render-html.ts';

export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Per point, the half-length of an error bar (± std over a repeat's draws); null or absent: none. */
  errors?: Array<number | null>;
  /** Draw it thick, in black, above the others (e.g. the total loss among its terms). */
  emphasis?: boolean;
  /** Its colour, instead of the palette's next one (e.g. a row's measured and paper series alike). */
  colour?: string;
  /** Open squares instead of filled circles (the paper's numbers beside ours). */
  hollow?: boolean;
}

/** A horizontal line across the plot (a reference method), with an optional ± band. */
export interface ReferenceLine {
  name: string;
  y: number;
  /** Half-height of a shaded band (± std), or null. */
  spread?: number | null;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
  /** Plot the y axis on a log scale (losses); non-positive values are dropped. */
  logY?: boolean;
  /** Draw a marker at every point (sweeps), not only lines (curves). */
  markers?: boolean;
  /** Dashed horizontal lines, e.g. Fig. 5's "Joint V3 is only used for comparison". */
  references?: ReferenceLine[];
  /**
   * The x values are categories (seeds, draws), not a quantity: points only, never joined by a
   * line, ticks at the values themselves. See `isCategoricalAxis`.
   */
  categoricalX?: boolean;
  /** With `categoricalX`: x = 0, 1, … are these named categories, every one on the axis (a table's columns). */
  categoryLabels?: string[];
}

/** Whether a swept key is categorical for a figure's x axis: a seed (`train.seed`, `split.seed`) orders nothing. */
export function isCategoricalAxis(key: string): boolean {
  return /(^|[._])seed$/i.test(key);
}

/** The emphasised series' colour (black is not used for the first seven series). */
const EMPHASIS_COLOUR = '#000000';

/** A colour-blind-safe palette (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

/** Reference lines are grey and black, apart from the series' colours. */
const REFERENCE_COLOURS = ['#555555', '#000000', '#999999'];

/** "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

export function lineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  // The legend sits right of the plot: as wide as its longest name (≈ 6.6 px per character at 12 px).
  const longest = Math.max(0, ...options.series.map((s) => s.name.length), ...(options.references ?? []).map((r) => r.name.length));
  const m = { left: 64, right: Math.max(150, Math.ceil(44 + 6.6 * longest)), top: 36, bottom: 48 };
  const tf = options.logY ? Math.log10 : (v: number) => v;
  const series = options.series.map((s) => {
    const kept = s.points.map((p, i) => ({ p, e: s.errors?.[i] ?? null })).filter(({ p: [x, y] }) => Number.isFinite(x) && Number.isFinite(y) && (!options.logY || y > 0));
    return { ...s, points: kept.map((k) => k.p), errors: kept.map((k) => (k.e !== null && Number.isFinite(k.e) && k.e > 0 ? k.e : null)) };
  });
  // Categories are placed evenly by rank (seeds 0, 1, 2, 7 are four equal steps apart) and labelled by value.
  const categories = !options.categoricalX ? []
    : options.categoryLabels ? options.categoryLabels.map((_, i) => i)
      : [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  if (options.categoricalX) for (const s of series) s.points = s.points.map(([x, y]) => [categories.indexOf(x), y]);
  const references = (options.references ?? []).filter((r) => Number.isFinite(r.y) && (!options.logY || r.y > 0));
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  // The y range holds every point with its error bar, and every reference line with its band.
  const ys = [
    ...series.flatMap((s) => s.points.flatMap(([, y], i) => {
      const e = s.errors[i];
      return e ? [y - e, y + e] : [y];
    })),
    ...references.flatMap((r) => (r.spread ? [r.y - r.spread, r.y + r.spread] : [r.y])),
  ].filter((y) => !options.logY || y > 0).map(tf);
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  // Categories keep half a step of margin so that no point sits on the frame.
  if (options.categoricalX && categories.length > 1) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${m.left + pw / 2}" y="20" text-anchor="middle" font-size="14">${escapeHtml(options.title)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
  ];
  for (const t of options.categoricalX ? categories.map((_, i) => i) : niceTicks(x0, x1)) {
    out.push(`<line x1="${sx(t).toFixed(1)}" y1="${m.top + ph}" x2="${sx(t).toFixed(1)}" y2="${m.top + ph + 4}" stroke="#333"/>`);
    const tick = options.categoricalX ? (options.categoryLabels?.[categories[t]!] ?? fmt(categories[t]!)) : fmt(t);
    out.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + ph + 17}" text-anchor="middle">${escapeHtml(tick)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.left}" y1="${sy(t).toFixed(1)}" x2="${m.left + pw}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    const label = options.logY ? fmt(10 ** t) : fmt(t);
    out.push(`<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${label}</text>`);
  }
  out.push(`<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`);
  // Reference lines first, under the series: a dashed line, a light band for ± std.
  references.forEach((r, j) => {
    const colour = REFERENCE_COLOURS[j % REFERENCE_COLOURS.length]!;
    if (r.spread) {
      const top = sy(tf(r.y + r.spread));
      const bottom = options.logY && r.y - r.spread <= 0 ? m.top + ph : sy(tf(r.y - r.spread));
      out.push(`<rect x="${m.left}" y="${top.toFixed(1)}" width="${pw}" height="${(bottom - top).toFixed(1)}" fill="${colour}" fill-opacity="0.12"/>`);
    }
    const y = sy(tf(r.y)).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  });
  // With error bars, series sharing an x are dodged a few pixels apart so their bars stay readable.
  const dodged = series.some((s) => s.errors.some((e) => e !== null));
  // Emphasised series are drawn last, on top; legend order stays the series order.
  const drawOrder = series.map((s, i) => ({ s, i })).sort((a, b) => Number(a.s.emphasis ?? false) - Number(b.s.emphasis ?? false));
  const colourOf = (s: (typeof series)[number], i: number) => s.colour ?? (s.emphasis ? EMPHASIS_COLOUR : PALETTE[i % PALETTE.length]!);
  // A filled circle, or an open square (r = 3.5 → 7 px side) for a hollow series.
  const marker = (s: (typeof series)[number], cx: string | number, cy: string | number, colour: string) => (s.hollow
    ? `<rect x="${(Number(cx) - 3.5).toFixed(1)}" y="${(Number(cy) - 3.5).toFixed(1)}" width="7" height="7" fill="white" stroke="${colour}" stroke-width="1.5"/>`
    : `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${colour}"/>`);
  const widthOf = (s: (typeof series)[number]) => (s.emphasis ? 3.2 : 1.8);
  drawOrder.forEach(({ s, i }) => {
    const colour = colourOf(s, i);
    const dx = dodged ? (i - (series.length - 1) / 2) * 5 : 0;
    const sxs = (x: number) => sx(x) + dx;
    // Error bars with caps: ± the std over a repeat's draws.
    s.points.forEach(([x, y], k) => {
      const e = s.errors[k];
      if (!e) return;
      const cx = sxs(x);
      const hi = sy(tf(y + e));
      const lo = options.logY && y - e <= 0 ? m.top + ph : sy(tf(y - e));
      out.push(`<line x1="${cx.toFixed(1)}" y1="${hi.toFixed(1)}" x2="${cx.toFixed(1)}" y2="${lo.toFixed(1)}" stroke="${colour}" stroke-width="1.2"/>`);
      for (const yy of [hi, lo]) out.push(`<line x1="${(cx - 4).toFixed(1)}" y1="${yy.toFixed(1)}" x2="${(cx + 4).toFixed(1)}" y2="${yy.toFixed(1)}" stroke="${colour}" stroke-width="1.2"/>`);
    });
    const pts = s.points.map(([x, y]) => `${sxs(x).toFixed(1)},${sy(tf(y)).toFixed(1)}`);
    if (pts.length > 1 && !options.categoricalX) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="${widthOf(s)}" points="${pts.join(' ')}"/>`);
    if (options.markers || options.categoricalX || pts.length === 1) {
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        out.push(marker(s, cx!, cy!, colour));
      }
    }
  });
  series.forEach((s, i) => {
    const colour = colourOf(s, i);
    const ly = m.top + 12 + i * 18;
    if (options.categoricalX) out.push(marker(s, m.left + pw + 22, ly - 4, colour));
    else out.push(`<line x1="${m.left + pw + 12}" y1="${ly - 4}" x2="${m.left + pw + 32}" y2="${ly - 4}" stroke="${colour}" stroke-width="${s.emphasis ? 3.2 : 2}"/>`);
    out.push(`<text x="${m.left + pw + 38}" y="${ly}"${s.emphasis ? ' font-weight="bold"' : ''}>${escapeHtml(s.name)}</text>`);
  });
  references.forEach((r, j) => {
    const colour = REFERENCE_COLOURS[j % REFERENCE_COLOURS.length]!;
    const ly = m.top + 12 + (series.length + j) * 18;
    out.push(`<line x1="${m.left + pw + 12}" y1="${ly - 4}" x2="${m.left + pw + 32}" y2="${ly - 4}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${m.left + pw + 38}" y="${ly}">${escapeHtml(r.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
