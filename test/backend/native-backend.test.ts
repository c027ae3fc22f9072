import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';

// Stand-in for @tensorflow/tfjs-node-gpu (not installable here): like the real package,
// importing it registers a backend named 'tensorflow'. This exercises the code path that
// users with the native package take, including the variable-specifier dynamic import.
vi.mock('@tensorflow/tfjs-node-gpu', () => {
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
  return {};
});

describe('native backend path', () => {
  it('prefers tfjs-node-gpu when it is importable and uses its tensorflow backend', async () => {
    const info = await initBackend();
    expect(info.name).toBe('node-gpu');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(info.note).toMatch(/^node-gpu \(libtensorflow with CUDA/);
  });
});
