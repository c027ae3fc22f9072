import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { LinearLayer } from '../../runtime/model/linear-layer.ts';
import { ParameterStore } from '../../runtime/model/parameter-store.ts';
import { PatchExpanding } from '../../runtime/model/patch-expanding.ts';
import { expectClose, seeded } from '../ops/backend-harness.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('PatchExpanding.applyHead', () => {
  for (const [name, scale] of [
    ['2D ×4 (Swin-Unet final expanding)', { d: 1, h: 4, w: 4 }],
    ['2D ×2', { d: 1, h: 2, w: 2 }],
  ] as const) {
    it(`${name}: equals head(apply(x)) in value and in every gradient`, () => {
      const store = new ParameterStore(5, `pe${scale.h}`);
      const [B, h, w, d, out, classes] = [2, 3, 2, 6, 4, 3];
      const expand = new PatchExpanding(store, 'exp', d, scale, out);
      const head = new LinearLayer(store, 'head', out, classes, false, 'conv');
      const x = tf.tensor4d(seeded(B * h * w * d, 9), [B, h, w, d]);
      const vars = [expand.expand.w, expand.norm.gamma, expand.norm.beta, head.w];
      const r = tf.tensor4d(seeded(B * h * scale.h * w * scale.w * classes, 10), [B, h * scale.h, w * scale.w, classes]);
      const run = (f: (x: tf.Tensor4D) => tf.Tensor) => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), r)) as tf.Scalar, vars);
        const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx as tf.Tensor4D), r)))(x);
        return { y: f(x), value: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync()), dx: dx.dataSync() };
      };
      const ours = run((t) => expand.applyHead(t, head));
      const ref = run((t) => head.apply(expand.apply(t)));
      expect(ours.y.shape).toEqual([B, h * scale.h, w * scale.w, classes]);
      expectClose(ours.y.dataSync(), ref.y.dataSync(), 1e-6, 'logits');
      expect(Math.abs(ours.value - ref.value)).toBeLessThan(1e-4);
      ours.grads.forEach((g, i) => expectClose(g, ref.grads[i]!, 1e-5, vars[i]!.name));
      expectClose(ours.dx, ref.dx, 1e-5, 'dx');
    });
  }
});
