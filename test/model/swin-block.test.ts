/**
 * Windows and Swin blocks: partition/reverse round trip (2D and 3D), the shifted-window
 * mask against Swin's slice-based construction, forward + backward on wasm equal to cpu,
 * and a flat tensor count across repeated forward/backward inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { buildModel } from '../../runtime/model/build-model.ts';
import { ParameterStore } from '../../runtime/model/parameter-store.ts';
import { MASKED_LOGIT, shiftedWindowMask } from '../../runtime/model/shift-mask.ts';
import { effectiveWindow, SwinBlock, type SwinBlockConfig } from '../../runtime/model/swin-block.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import { windowPartition, windowReverse } from '../../runtime/model/windows.ts';

describe('windowPartition / windowReverse', () => {
  it('round-trips 2D and 3D token maps and puts window tokens in (depth, row, column) order', async () => {
    await initBackend('cpu');
    tf.tidy(() => {
      const x2 = tf.reshape(tf.range(0, 2 * 4 * 6 * 3), [2, 4, 6, 3]) as tf.Tensor4D;
      const w2 = windowPartition(x2, { D: 1, H: 4, W: 6 }, { d: 1, h: 2, w: 3 });
      expect(w2.shape).toEqual([2 * 2 * 2, 6, 3]);
      expect(windowReverse(w2, { D: 1, H: 4, W: 6 }, { d: 1, h: 2, w: 3 }).arraySync()).toEqual(x2.arraySync());
      // second window of sample 0 = rows 0..1, columns 3..5
      const first = (w2.arraySync() as number[][][])[1]!.map((t) => t[0]);
      expect(first).toEqual([3, 4, 5, 9, 10, 11].map((p) => p * 3));

      const D = 4;
      const x3 = tf.reshape(tf.range(0, 2 * D * 4 * 4 * 2), [2 * D, 4, 4, 2]) as tf.Tensor4D;
      const grid = { D, H: 4, W: 4 };
      const w3 = windowPartition(x3, grid, { d: 2, h: 2, w: 2 });
      expect(w3.shape).toEqual([2 * 2 * 2 * 2, 8, 2]);
      expect(windowReverse(w3, grid, { d: 2, h: 2, w: 2 }).arraySync()).toEqual(x3.arraySync());
      // first window: z 0..1, y 0..1, x 0..1 of sample 0, depth-major
      const tokens = (w3.arraySync() as number[][][])[0]!.map((t) => t[0]! / 2);
      expect(tokens).toEqual([0, 1, 4, 5, 16, 17, 20, 21]);
    });
  });
});

describe('shifted-window mask', () => {
  /** Swin's construction: label the shifted image by slices, partition, compare labels. */
  function swinMask(H: number, W: number, ws: number, s: number): number[] {
    const img = Array.from({ length: H }, () => new Array<number>(W).fill(0));
    const slices = (n: number) => [[0, n - ws], [n - ws, n - s], [n - s, n]] as const;
    let cnt = 0;
    for (const [h0, h1] of slices(H)) for (const [w0, w1] of slices(W)) {
      for (let y = h0; y < h1; y++) for (let x = w0; x < w1; x++) img[y]![x] = cnt;
      cnt++;
    }
    const out: number[] = [];
    for (let wy = 0; wy < H / ws; wy++) for (let wx = 0; wx < W / ws; wx++) {
      const ids: number[] = [];
      for (let i = 0; i < ws; i++) for (let j = 0; j < ws; j++) ids.push(img[wy * ws + i]![wx * ws + j]!);
      for (const a of ids) for (const b of ids) out.push(a === b ? 0 : MASKED_LOGIT);
    }
    return out;
  }

  it('equals Swin’s slice-labelled mask (8×12 grid, window 4, shift 2)', () => {
    const mask = shiftedWindowMask({ D: 1, H: 8, W: 12 }, { d: 1, h: 4, w: 4 }, { d: 0, h: 2, w: 2 });
    expect([...mask]).toEqual(swinMask(8, 12, 4, 2));
  });

  it('masks along depth only when shifting along depth', () => {
    const m = shiftedWindowMask({ D: 4, H: 2, W: 2 }, { d: 2, h: 2, w: 2 }, { d: 1, h: 0, w: 0 });
    // last depth window (index 1) mixes z = 2 (region 1) and z = 3 (region 2): tokens 0..3 vs 4..7
    const L = 8;
    const w1 = [...m.slice(L * L, 2 * L * L)];
    expect(w1[0 * L + 4]).toBe(MASKED_LOGIT);
    expect(w1[0 * L + 3]).toBe(0);
    expect([...m.slice(0, L * L)].every((v) => v === 0)).toBe(true);
  });

  it('clamps windows to small grids and stops shifting there (Swin’s rule, per axis)', () => {
    expect(effectiveWindow({ D: 1, H: 7, W: 7 }, { d: 1, h: 7, w: 7 }, true)).toEqual({ window: { d: 1, h: 7, w: 7 }, shift: { d: 0, h: 0, w: 0 } });
    expect(effectiveWindow({ D: 2, H: 8, W: 8 }, { d: 4, h: 4, w: 4 }, true)).toEqual({ window: { d: 2, h: 4, w: 4 }, shift: { d: 0, h: 2, w: 2 } });
  });
});

function blockValueAndGrads(cfg: SwinBlockConfig, xShape: [number, number, number, number]): { y: Float32Array; grads: Float32Array[] } {
  const store = new ParameterStore(21);
  const block = new SwinBlock(store, 'ct/encoder/stage0/block1', cfg);
  try {
    return tf.tidy(() => {
      const x = tf.randomNormal(xShape, 0, 1, 'float32', 1) as tf.Tensor4D;
      const r = tf.randomNormal(xShape, 0, 1, 'float32', 2);
      const vars = [...store.variables.values()];
      const f = () => tf.sum(tf.mul(block.apply(x, { dropPath: undefined, modulation: undefined }), r)) as tf.Scalar;
      const { grads } = tf.variableGrads(f, vars);
      const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(block.apply(xx as tf.Tensor4D, { dropPath: undefined, modulation: undefined }), r)))(x);
      return {
        y: block.apply(x, { dropPath: undefined, modulation: undefined }).dataSync() as Float32Array,
        grads: [gx.dataSync() as Float32Array, ...vars.map((v) => grads[v.name]!.dataSync() as Float32Array)],
      };
    });
  } finally {
    block.dispose();
    store.dispose();
  }
}

function relErr(a: Float32Array, b: Float32Array): number {
  let e = 0;
  let s = 1e-12;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return e / s;
}

describe('Swin block on wasm', () => {
  const cases: [string, SwinBlockConfig, [number, number, number, number]][] = [
    ['2D shifted', { dim: 8, heads: 2, grid: { D: 1, H: 8, W: 8 }, window: { d: 1, h: 4, w: 4 }, shifted: true, mlpRatio: 2, qkvBias: true, dropPath: 0 }, [2, 8, 8, 8]],
    ['3D shifted', { dim: 8, heads: 2, grid: { D: 4, H: 4, W: 4 }, window: { d: 2, h: 2, w: 2 }, shifted: true, mlpRatio: 2, qkvBias: true, dropPath: 0 }, [2 * 4, 4, 4, 8]],
  ];
  for (const [name, cfg, shape] of cases) {
    it(`${name}: forward and backward equal the cpu backend`, async () => {
      await initBackend('cpu');
      const cpu = blockValueAndGrads(cfg, shape);
      await initBackend('wasm');
      expect(tf.getBackend()).toBe('wasm');
      const wasm = blockValueAndGrads(cfg, shape);
      expect(relErr(wasm.y, cpu.y)).toBeLessThan(1e-5);
      expect(wasm.grads.length).toBe(cpu.grads.length);
      wasm.grads.forEach((g, i) => expect(relErr(g, cpu.grads[i]!), `gradient ${i}`).toBeLessThan(1e-4));
    });
  }

  it('keeps the tensor count flat across repeated training steps of a whole V3 model inside tf.tidy', async () => {
    await initBackend('wasm');
    const m = buildModel(
      { backbone: BACKBONE_VARIANTS.swin_unet_tiny!, joint: 'v3', inChannels: 1, numClasses: 3, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false },
      { crop: [8, 8], modalities: ['ct', 'mri'], seed: 2, loss: { seg: { ce: 1, dice: 1 }, aux: { weight: 0.4, ce: 1, dice: 1 }, mcr: { weight: 0.1 }, icr: { weight: 0.1, tau: 4 } } },
    );
    const batch = () => ({ x: tf.randomNormal([2, 8, 8, 1]) as tf.Tensor4D, y: tf.randomUniform([2, 8, 8], 0, 3, 'int32') });
    const b = { ct: batch(), mri: batch() };
    const step = (i: number) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => m.computeLosses(b, i).total, m.trainableVariables);
        for (const v of m.trainableVariables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.01)));
        return value.dataSync()[0]!;
      });
    step(0); // first step builds the cached masks and one-hot tables
    const counts: number[] = [];
    for (let i = 1; i <= 3; i++) {
      expect(Number.isFinite(step(i))).toBe(true);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    m.dispose();
    tf.dispose([b.ct.x, b.ct.y, b.mri.x, b.mri.y]);
  });
});
