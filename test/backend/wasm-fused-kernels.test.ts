/**
 * The fused GELU and layer-norm kernels registered on the wasm backend, through tfjs:
 * each kernel against tfjs composites on the cpu backend (odd C, rank 1–4), the ops' choice
 * of path (fused when registered, composite after `removeWasmFusedKernels` and with
 * `ABLATE_WASM_FUSED=off`), input checks, and a flat tensor count.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { installWasmFusedKernels, removeWasmFusedKernels, wasmFusedState } from '../../runtime/backend/wasm-fused-kernels.ts';
import { FUSED_KERNEL } from '../../runtime/backend/fused/fused-kernel-names.ts';
import { FusedKernelInputError } from '../../runtime/backend/fused/fused-kernel-error.ts';
import { gelu } from '../../runtime/ops/gelu.ts';
import { layerNorm, standardize } from '../../runtime/ops/layer-norm.ts';
import { expectClose, seeded } from '../ops/backend-harness.ts';
import { wasmBackendInChild } from './backend-in-child.ts';


/** Run `f` on a backend with inputs made from `data` there; returns every output's values. */
async function on(backend: 'wasm' | 'cpu', data: { values: Float32Array; shape: number[] }[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(backend);
  return tf.tidy(() => {
    const out = f(...data.map((d) => tf.tensor(d.values, d.shape)));
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

function input(shape: number[], seed: number, scale = 1): { values: Float32Array; shape: number[] } {
  return { values: seeded(shape.reduce((p, d) => p * d, 1), seed).map((v) => v * scale), shape };
}

/** Composites on cpu, written here independently of runtime/ops. */
const reference = {
  moments: (x: tf.Tensor, eps: number) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return { mean, rstd: tf.div(1, tf.sqrt(tf.add(variance, eps))) };
  },
  phi: (x: tf.Tensor) => tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
};

afterAll(async () => {
  await installWasmFusedKernels(); // leave the backend as initBackend makes it
});

describe('fused kernels on wasm against cpu composites', () => {
  it('are installed by initBackend("wasm"), on wasm only', async () => {
    await initBackend('wasm');
    expect(wasmFusedState().installed).toBe(true);
    for (const name of Object.values(FUSED_KERNEL)) {
      expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
      expect(tf.getKernel(name, 'cpu'), name).toBeUndefined();
    }
  });

  it('AblateGelu and AblateGeluGrad, 4×7×5 values in [−6, 6)', async () => {
    const data = [input([4, 7, 5], 21, 6), input([4, 7, 5], 22)];
    const ours = await on('wasm', data, (x, dy) => [
      tf.engine().runKernel(FUSED_KERNEL.gelu, { x: x! }) as tf.Tensor,
      tf.engine().runKernel(FUSED_KERNEL.geluGrad, { dy: dy!, x: x! }) as tf.Tensor,
    ]);
    const ref = await on('cpu', data, (x, dy) => {
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(x!), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [tf.mul(x!, reference.phi(x!)), tf.mul(dy!, tf.add(reference.phi(x!), tf.mul(x!, pdf)))];
    });
    expectClose(ours[0]!, ref[0]!, 1e-6, 'gelu');
    expectClose(ours[1]!, ref[1]!, 1e-6, 'gelu gradient');
  });

  for (const shape of [[5], [3, 7], [2, 3, 17], [2, 2, 3, 96], [2, 1, 3, 97]]) {
    it(`AblateStandardize, AblateLayerNorm and their gradients, x ${JSON.stringify(shape)}`, async () => {
      const C = shape[shape.length - 1]!;
      const eps = 1e-5;
      const data = [input(shape, 31, 3), input(shape, 32), input([C], 33), input([C], 34)];
      const ours = await on('wasm', data, (x, dy, g, b) => {
        const [xhat, rstd] = tf.engine().runKernel(FUSED_KERNEL.standardize, { x: x! }, { eps }) as tf.Tensor[];
        const dxs = tf.engine().runKernel(FUSED_KERNEL.standardizeGrad, { dy: dy!, xhat: xhat!, rstd: rstd! }) as tf.Tensor;
        const [y, mean, rstd2] = tf.engine().runKernel(FUSED_KERNEL.layerNorm, { x: x!, gamma: g!, beta: b! }, { eps }) as tf.Tensor[];
        const grads = tf.engine().runKernel(FUSED_KERNEL.layerNormGrad, { dy: dy!, x: x!, mean: mean!, rstd: rstd2!, gamma: g! }) as tf.Tensor[];
        expect(rstd!.shape).toEqual([...shape.slice(0, -1), 1]);
        expect(mean!.shape).toEqual([...shape.slice(0, -1), 1]);
        return [xhat!, rstd!, dxs, y!, mean!, rstd2!, ...grads];
      });
      // gradients of Σ f(x)·dy, differentiated by tfjs on cpu
      const ref = await on('cpu', data, (x, dy, g, b) => {
        const { mean, rstd } = reference.moments(x!, eps);
        const xhat = tf.mul(tf.sub(x!, mean), rstd);
        const dxs = tf.grad((t: tf.Tensor) => {
          const m = reference.moments(t, eps);
          return tf.sum(tf.mul(tf.mul(tf.sub(t, m.mean), m.rstd), dy!));
        })(x!);
        const y = tf.add(tf.mul(xhat, g!), b!);
        const lnGrads = tf.grads((t: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          const m = reference.moments(t, eps);
          return tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(t, m.mean), m.rstd), gg), bb), dy!));
        })([x!, g!, b!]);
        return [xhat, rstd, dxs, y, mean, rstd, ...lnGrads];
      });
      const names = ['x̂', 'rstd', 'standardize dx', 'y', 'mean', 'rstd (layer norm)', 'dx', 'dγ', 'dβ'];
      names.forEach((name, i) => expectClose(ours[i]!, ref[i]!, 1e-5, name));
    });
  }

  it('reject non-float32 inputs and mismatched shapes with FusedKernelInputError', async () => {
    await initBackend('wasm');
    tf.tidy(() => {
      expect(() => tf.engine().runKernel(FUSED_KERNEL.gelu, { x: tf.tensor([1, 2], [2], 'int32') })).toThrow(FusedKernelInputError);
      expect(() => tf.engine().runKernel(FUSED_KERNEL.geluGrad, { dy: tf.zeros([3]), x: tf.zeros([2]) })).toThrow(/shapes \[3\] and \[2\] differ/);
      expect(() => tf.engine().runKernel(FUSED_KERNEL.layerNorm, { x: tf.zeros([2, 4]), gamma: tf.ones([3]), beta: tf.zeros([4]) }, { eps: 1e-5 }))
        .toThrow(/per-channel input is \[3\], expected \[4\]/);
      expect(() => tf.engine().runKernel(FUSED_KERNEL.standardize, { x: tf.zeros([2, 4]) }, {})).toThrow(/attribute eps/);
    });
  });
});

describe('which path the ops take', () => {
  /** Kernel names `f` runs, forward and backward. */
  async function kernelsOf(f: (x: tf.Tensor) => tf.Tensor): Promise<string[]> {
    const x = tf.tensor(seeded(2 * 6, 5), [2, 6]);
    const profile = await tf.profile(() => tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x)));
    x.dispose();
    return profile.kernels.map((k) => k.name);
  }
  const ops = {
    gelu: (x: tf.Tensor) => gelu(x),
    layerNorm: (x: tf.Tensor) => layerNorm(x, tf.ones([6]) as tf.Tensor1D, tf.zeros([6]) as tf.Tensor1D),
    standardize: (x: tf.Tensor) => standardize(x),
  };

  it('fused kernels when registered, composites after removeWasmFusedKernels, fused again after reinstalling', async () => {
    await initBackend('wasm');
    expect(await kernelsOf(ops.gelu)).toEqual(expect.arrayContaining([FUSED_KERNEL.gelu, FUSED_KERNEL.geluGrad]));
    expect(await kernelsOf(ops.layerNorm)).toEqual(expect.arrayContaining([FUSED_KERNEL.layerNorm, FUSED_KERNEL.layerNormGrad]));
    expect(await kernelsOf(ops.standardize)).toEqual(expect.arrayContaining([FUSED_KERNEL.standardize, FUSED_KERNEL.standardizeGrad]));
    removeWasmFusedKernels();
    expect(wasmFusedState().installed).toBe(false);
    for (const f of Object.values(ops)) expect((await kernelsOf(f)).filter((k) => k.startsWith('Ablate'))).toEqual([]);
    expect(await kernelsOf(ops.gelu)).toContain('Erf');
    expect(await installWasmFusedKernels()).toBe(true);
    expect(await kernelsOf(ops.gelu)).toContain(FUSED_KERNEL.gelu);
  });

  it('composites for int32 input and on the cpu backend', async () => {
    await initBackend('wasm');
    const x = tf.tensor([-1, 0, 2], [3], 'int32');
    expect(tf.tidy(() => Array.from(gelu(x).dataSync()))).toHaveLength(3);
    x.dispose();
    await initBackend('cpu');
    expect(await kernelsOf(ops.layerNorm)).not.toContain(FUSED_KERNEL.layerNorm);
  });

  it('does not grow the tensor count over repeated forward + backward passes', async () => {
    await initBackend('wasm');
    const x = tf.tensor(seeded(4 * 9, 8), [4, 9]);
    const g = tf.ones([9]) as tf.Tensor1D;
    const b = tf.zeros([9]) as tf.Tensor1D;
    const pass = (): void => {
      tf.dispose(tf.grads((t: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(standardize(gelu(layerNorm(t, gg as tf.Tensor1D, bb as tf.Tensor1D)))))([x, g, b]));
    };
    pass();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) pass();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g, b]);
  });

  it('ABLATE_WASM_FUSED=off leaves them out (and the products in)', () => {
    const child = wasmBackendInChild({ ABLATE_WASM_FUSED: 'off' });
    expect(child.fused.installed).toBe(false);
    expect(child.gemm.installed).toBe(true);
    expect(child.note).not.toContain('GELU');
  }, 60_000);
});
