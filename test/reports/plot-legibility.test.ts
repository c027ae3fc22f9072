/**
 * Plots a reader can read: the total loss stands out above its terms, a figure over seeds
 * shows points (seeds are categories, not a continuum), and overlays carry a legend with each
 * class's contour colour and name.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { glyph } from '../../runtime/reports/plots/bitmap-font.ts';
import { isCategoricalAxis, lineChartSvg } from '../../runtime/reports/plots/line-chart.ts';
import { classColour, overlayPng } from '../../runtime/reports/plots/overlay.ts';

describe('loss curves', () => {
  it('draw the emphasised total thick, in black, on top of the terms', () => {
    const pts = (k: number): Array<[number, number]> => [[1, k], [2, k / 2], [3, k / 3]];
    const svg = lineChartSvg({ title: 't', xLabel: 'step', yLabel: 'loss', logY: true, series: [
      { name: 'total', points: pts(2), emphasis: true }, { name: 'seg.ct', points: pts(1) }, { name: 'seg.mri', points: pts(0.9) },
    ] });
    const lines = [...svg.matchAll(/<polyline fill="none" stroke="([^"]+)" stroke-width="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(lines).toEqual([['#D55E00', '1.8'], ['#009E73', '1.8'], ['#000000', '3.2']]);
    expect(svg).toContain('font-weight="bold">total</text>');
  });
});

describe('figures over seeds', () => {
  it('are categorical by key', () => {
    expect(['train.seed', 'data.split.seed', 'seed', 'split_seed'].map(isCategoricalAxis)).toEqual([true, true, true, true]);
    expect(['loss.icr.tau', 'train.lr', 'seeds_count'].map(isCategoricalAxis)).toEqual([false, false, false]);
  });

  it('show points at evenly spaced, value-labelled ticks and no joining line', () => {
    const svg = lineChartSvg({ title: 's', xLabel: 'train.seed', yLabel: 'dice (%)', markers: true, categoricalX: true, series: [{ name: 'CT', points: [[7, 73], [0, 70], [1, 74], [2, 71]] }] });
    expect(svg).not.toContain('<polyline');
    const cx = [...svg.matchAll(/<circle cx="([\d.]+)" cy="[\d.]+" r="3.5" fill="#0072B2"/g)].map((m) => Number(m[1]));
    expect(cx).toHaveLength(5); // 4 points + the legend marker
    const xs = cx.slice(0, 4).sort((a, b) => a - b);
    const steps = xs.slice(1).map((x, i) => +(x - xs[i]!).toFixed(1));
    expect(new Set(steps).size).toBe(1); // 0, 1, 2, 7 equally spaced
    const ticks = [...svg.matchAll(/<text x="[\d.]+" y="\d+" text-anchor="middle">(\d+)<\/text>/g)].map((m) => m[1]);
    expect(ticks).toEqual(['0', '1', '2', '7']);
  });
});

describe('overlay legend', () => {
  it('puts a swatch in the contour colour and the class name under the image', () => {
    const W = 8;
    const H = 8;
    const classes = ['AA', 'LVM'];
    const png = PNG.sync.read(overlayPng({ width: W, height: H, image: new Float32Array(W * H), labels: new Uint8Array(W * H), classes, scale: 1 }));
    // pad 4, swatch 9, gap 5, 13 px per row; names in a 5×7 font (6 px per character).
    expect([png.width, png.height]).toEqual([Math.max(W, 4 + 9 + 5 + 3 * 6 + 4), H + 8 + 2 * 13]);
    const px = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    classes.forEach((name, i) => {
      const top = H + 4 + i * 13;
      expect(px(4, top)).toEqual(classColour(name, i));
      expect(px(12, top + 8)).toEqual(classColour(name, i));
      expect(px(13, top)).toEqual([255, 255, 255]); // gap
      // The name's first glyph, column by column, in black on white (text starts at x = 18, y = top + 1).
      const first = glyph(name[0]!);
      for (let c = 0; c < 5; c++) {
        for (let r = 0; r < 7; r++) expect(px(18 + c, top + 1 + r)).toEqual((first[c]! >> r) & 1 ? [0, 0, 0] : [255, 255, 255]);
      }
    });
    expect(classColour('AA', 0)).toEqual([230, 25, 25]);
  });
});
