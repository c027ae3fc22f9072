/**
 * tfjs's matrix-product kernels on wasm as ablate's GEMM: values and gradients against
 * the cpu backend for every transpose, batched and broadcast products, fused bias, the
 * cases handed back to tfjs's kernels, and the switch that keeps tfjs's products.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { wasmBackendInChild } from './backend-in-child.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { wasmMatMulState } from '../../runtime/backend/wasm-matmul-kernel.ts';
import { expectClose, seeded, valueAndGrads, type InputSpec } from '../ops/backend-harness.ts';


/** Value and gradients of `f` on wasm and cpu agree to 1e-5 (relative to the largest value). */
async function expectSameOnCpu(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: InputSpec[], what: string): Promise<void> {
  const wasm = await valueAndGrads('wasm', f, inputs);
  const cpu = await valueAndGrads('cpu', f, inputs);
  expect(wasm.shape, what).toEqual(cpu.shape);
  expectClose(wasm.value, cpu.value, 1e-5, `${what}: value`);
  wasm.grads.forEach((g, i) => expectClose(g, cpu.grads[i]!, 1e-5, `${what}: gradient ${i}`));
}

describe('wasm matrix products through ablate GEMM', () => {
  it('is installed when the wasm backend starts, and the backend note says so', async () => {
    const info = await initBackend('wasm');
    expect(wasmMatMulState().installed).toBe(true);
    expect(info.note).toContain(`matrix products (${wasmMatMulState().fma ? 'fused multiply-add' : 'multiply, add'})`);
  });

  const plain: [string, number[], number[], boolean, boolean][] = [
    ['[13, 70] @ [70, 9]', [13, 70], [70, 9], false, false],
    ['[70, 13]ᵀ @ [70, 9]', [70, 13], [70, 9], true, false],
    ['[13, 70] @ [9, 70]ᵀ', [13, 70], [9, 70], false, true],
    ['[70, 13]ᵀ @ [9, 70]ᵀ', [70, 13], [9, 70], true, true],
    ['[3, 5, 300] @ [3, 300, 17] (batched, two K blocks)', [3, 5, 300], [3, 300, 17], false, false],
    ['[2, 3, 7, 6]ᵀ @ [2, 3, 7, 10] (rank 4)', [2, 3, 7, 6], [2, 3, 7, 10], true, false],
  ];
  it.each(plain)('%s matches cpu (values and gradients)', async (what, sa, sb, tA, tB) => {
    await expectSameOnCpu((a, b) => tf.matMul(a!, b!, tA, tB), [{ shape: sa, seed: 1 }, { shape: sb, seed: 2 }], what);
  });

  // tfjs's BatchMatMul gradient does not reduce over broadcast batch dims (on any backend): values only
  const broadcast: [string, number[], number[], boolean][] = [
    ['[1, 6, 8] @ [4, 8, 5] (a broadcast)', [1, 6, 8], [4, 8, 5], false],
    ['[4, 6, 8] @ [1, 5, 8]ᵀ (b broadcast)', [4, 6, 8], [1, 5, 8], true],
    ['[2, 1, 6, 8] @ [1, 3, 8, 5] (both broadcast: tfjs kernel)', [2, 1, 6, 8], [1, 3, 8, 5], false],
  ];
  it.each(broadcast)('%s matches cpu', async (what, sa, sb, tB) => {
    const run = async (backend: 'wasm' | 'cpu') => {
      await initBackend(backend);
      return tf.tidy(() => {
        const y = tf.matMul(tf.tensor(seeded(tf.util.sizeFromShape(sa), 1), sa), tf.tensor(seeded(tf.util.sizeFromShape(sb), 2), sb), false, tB);
        return { shape: y.shape, values: y.dataSync() as Float32Array };
      });
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    expect(wasm.shape, what).toEqual(cpu.shape);
    expectClose(wasm.values, cpu.values, 1e-5, what);
  });

  it('adds a fused bias once, however many K blocks', async () => {
    await expectSameOnCpu(
      (a, b, bias) => tf.fused.matMul({ a: a!, b: b!, bias: bias!, transposeB: true }),
      [{ shape: [9, 600], seed: 3 }, { shape: [11, 600], seed: 4 }, { shape: [11], seed: 5 }],
      'fused [9, 600] @ [11, 600]ᵀ + bias',
    );
  });

  it('leaves other fused activations to tfjs (relu) with the same result as cpu', async () => {
    await expectSameOnCpu(
      (a, b, bias) => tf.fused.matMul({ a: a!, b: b!, bias: bias!, activation: 'relu' }),
      [{ shape: [6, 12], seed: 6 }, { shape: [12, 10], seed: 7 }, { shape: [10], seed: 8 }],
      'fused relu',
    );
  });

  it('allocates no tensors beyond its output', async () => {
    await initBackend('wasm');
    const a = tf.ones([40, 30]);
    const b = tf.ones([30, 20]);
    tf.dispose(tf.matMul(a, b));
    const before = tf.memory().numTensors;
    const c = tf.matMul(a, b, false, false);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(c.dataSync().slice(0, 3))).toEqual([30, 30, 30]);
    tf.dispose([a, b, c]);
  });

  it('ABLATE_WASM_GEMM=xnnpack keeps tfjs products (and the fused kernels in)', () => {
    const child = wasmBackendInChild({ ABLATE_WASM_GEMM: 'xnnpack' });
    expect(child.gemm.installed).toBe(false);
    expect(child.fused.installed).toBe(true);
    expect(child.note).not.toContain('matrix products');
  }, 60_000);
});
