/**
 * Segmentation overlays like the paper's Fig. 4: an image slice in grey with each class's
 * contour drawn in the paper's colours (cardiac: AA red, LAC green, LVC blue, LVM yellow;
 * abdominal: Spleen red, R-kdy green, L-kdy blue, Liver yellow), written as PNG.
 *
 * Input slices are row-major [H, W] (x fastest), intensities windowed to the 1st–99th
 * percentile. A contour pixel is a labelled pixel with a 4-neighbour of another label.
 * Below the image, a legend: each class's colour swatch and name (bitmap-font.ts).
 */
import { PNG } from 'pngjs';
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.ts';

type Rgb = [number, number, number];

const RED: Rgb = [230, 25, 25];
const GREEN: Rgb = [40, 200, 40];
const BLUE: Rgb = [40, 90, 255];
const YELLOW: Rgb = [250, 220, 0];

/** The paper's Fig. 4 colours by class name (case-insensitive); others cycle through the same four plus extras. */
const PAPER_COLOURS: Record<string, Rgb> = {
  aa: RED, lac: GREEN, lvc: BLUE, lvm: YELLOW,
  spleen: RED, rkdy: GREEN, 'r-kdy': GREEN, r_kdy: GREEN, lkdy: BLUE, 'l-kdy': BLUE, l_kdy: BLUE, liver: YELLOW,
};
const EXTRA: Rgb[] = [RED, GREEN, BLUE, YELLOW, [255, 0, 255], [0, 230, 230]];

export function classColour(name: string, index: number): Rgb {
  return PAPER_COLOURS[name.toLowerCase()] ?? EXTRA[index % EXTRA.length]!;
}

export interface OverlayInput {
  width: number;
  height: number;
  image: ArrayLike<number>;
  /** Class index per pixel: 0 background, i = classes[i − 1]. */
  labels: ArrayLike<number>;
  classes: string[];
  /** Integer upscaling for readability. Default 2. */
  scale?: number;
}

function percentile(sorted: Float32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

/** Legend layout: one row per class, a swatch then the name. */
const LEGEND = { pad: 4, swatch: 9, gap: 5, row: 13 };

export function overlayPng(input: OverlayInput): Buffer {
  const { width: W, height: H, image, labels, classes } = input;
  const s = input.scale ?? 2;
  const sorted = Float32Array.from(image).sort();
  const lo = percentile(sorted, 0.01);
  const hi = percentile(sorted, 0.99);
  const legendWidth = LEGEND.pad * 2 + LEGEND.swatch + LEGEND.gap + Math.max(0, ...classes.map((c) => textWidth(c)));
  const outW = Math.max(W * s, legendWidth);
  const outH = H * s + LEGEND.pad * 2 + classes.length * LEGEND.row;
  const png = new PNG({ width: outW, height: outH });
  png.data.fill(255); // white background beside and below the image
  const put = (x: number, y: number, rgb: Rgb) => {
    const o = (y * outW + x) * 4;
    png.data[o] = rgb[0];
    png.data[o + 1] = rgb[1];
    png.data[o + 2] = rgb[2];
    png.data[o + 3] = 255;
  };
  const at = (x: number, y: number) => labels[y * W + x]!;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const g = Math.round(255 * Math.min(1, Math.max(0, (image[y * W + x]! - lo) / (hi - lo || 1))));
      let rgb: Rgb = [g, g, g];
      const l = at(x, y);
      if (l > 0) {
        const edge =
          x === 0 || y === 0 || x === W - 1 || y === H - 1 ||
          at(x - 1, y) !== l || at(x + 1, y) !== l || at(x, y - 1) !== l || at(x, y + 1) !== l;
        if (edge) rgb = classColour(classes[l - 1] ?? String(l), l - 1);
      }
      for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) put(x * s + dx, y * s + dy, rgb);
    }
  }
  // The legend: the contour colours with the class names, in class order.
  classes.forEach((name, i) => {
    const top = H * s + LEGEND.pad + i * LEGEND.row;
    const colour = classColour(name, i);
    for (let y = 0; y < LEGEND.swatch; y++) for (let x = 0; x < LEGEND.swatch; x++) put(LEGEND.pad + x, top + y, colour);
    const tx = LEGEND.pad + LEGEND.swatch + LEGEND.gap;
    drawText(name, tx, top + Math.floor((LEGEND.swatch - GLYPH_HEIGHT) / 2), (x, y) => {
      if (x < outW && y < outH) put(x, y, [0, 0, 0]);
    });
  });
  return PNG.sync.write(png);
}
