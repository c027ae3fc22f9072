import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceTicks } from '../../runtime/reports/plots/line-chart.ts';
import { overlayPng } from '../../runtime/reports/plots/overlay.ts';

describe('line charts', () => {
  it('picks 1-2-5 ticks covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 8)).toEqual([2, 4, 6, 8]);
    expect(niceTicks(88.3, 91.7)).toEqual([89, 90, 91]);
  });

  it('draws one polyline per series, with markers for sweeps, and escapes labels', () => {
    const svg = lineChartSvg({
      title: 'Effect of τ <Fig. 5>', xLabel: 'τ', yLabel: 'mean Dice (%)', markers: true,
      series: [
        { name: 'CT', points: [[1, 90], [2, 91], [4, 92]] },
        { name: 'MRI', points: [[1, 85], [2, 86], [4, Number.NaN]] },
      ],
    });
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(5); // the NaN point is dropped
    expect(svg).toContain('Effect of τ &lt;Fig. 5&gt;');
    // x = 1 sits on the left edge of the plot area, x = 4 on the right edge.
    expect(svg).toContain('<circle cx="64.0"');
    expect(svg).toContain('<circle cx="490.0"');
  });
});

describe('segmentation overlays', () => {
  it('draws contours in the paper colours over a grey image', () => {
    const W = 8;
    const H = 8;
    const image = Float32Array.from({ length: W * H }, (_, i) => i);
    const labels = new Uint8Array(W * H);
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) labels[y * W + x] = 1; // a 4×4 AA square
    const png = PNG.sync.read(overlayPng({ width: W, height: H, image, labels, classes: ['AA'], scale: 1 }));
    const px = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)); // the legend widens the PNG
    expect(px(2, 2)).toEqual([230, 25, 25]); // contour: red (AA)
    expect(px(3, 3)[0]).toBe(px(3, 3)[1]); // interior: grey
    expect(px(0, 0)).toEqual([0, 0, 0]); // darkest pixel after windowing
  });
});
