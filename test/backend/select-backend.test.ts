import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { BackendUnavailableError } from '../../runtime/backend/backend-error.ts';
import { parseBackendName } from '../../runtime/backend/backend-name.ts';
import { WASM_FILES, wasmBinaryDir } from '../../runtime/backend/wasm-paths.ts';

const require = createRequire(import.meta.url);
const installed = (pkg: string) => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

describe('initBackend', () => {
  it('registers gradients (tfjs-core alone has none in Node)', () => {
    for (const kernel of ['Sum', 'BatchMatMul', 'Softmax', 'Erf', 'Slice', 'Concat', 'PadV2']) {
      expect(tf.getGradient(kernel), kernel).toBeDefined();
    }
  });

  it('falls back along node-gpu → node → wasm → cpu and says what it skipped', async () => {
    const info = await initBackend();
    if (!installed('@tensorflow/tfjs-node-gpu') && !installed('@tensorflow/tfjs-node')) {
      expect(info.name).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(info.note).toContain('skipped node-gpu: not installed');
      expect(info.note).toContain('skipped node: not installed');
      expect(info.note).toMatch(/^wasm \(SIMD, single-threaded in Node\)/);
    } else {
      expect(['node-gpu', 'node']).toContain(info.name);
      expect(tf.getBackend()).toBe('tensorflow');
    }
  });

  it('starts a forced backend and only that one', async () => {
    expect(await initBackend('cpu')).toEqual({ name: 'cpu', note: 'cpu (pure JavaScript)' });
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // switching back and forth keeps working (setWasmPaths may only run once)
    await initBackend('cpu');
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  it.skipIf(installed('@tensorflow/tfjs-node'))('a forced native backend that is not installed is a typed error with a hint', async () => {
    const err = await initBackend('node').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const e = err as BackendUnavailableError;
    expect(e.requested).toBe('node');
    expect(e.attempts).toEqual([{ backend: 'node', reason: 'not installed' }]);
    expect(e.message).toContain('install @tensorflow/tfjs-node');
    expect(e.message).toContain('--backend wasm');
  });
});

describe('zero-copy Identity on wasm', () => {
  it('clones share the buffer by reference count and outlive the original', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(before); // no second buffer
    expect((tf.backend() as unknown as { refCount(id: unknown): number }).refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(before - 1);
  });

  it('keeps string tensors working', async () => {
    await initBackend('wasm');
    const s = tf.tensor1d(['a', 'bc'], 'string');
    const t = tf.clone(s);
    expect(t.dataSync()).toEqual(['a', 'bc']);
    tf.dispose([s, t]);
  });
});

describe('wasm binaries', () => {
  it('are found in node_modules as a plain directory path', () => {
    const dir = wasmBinaryDir();
    expect(dir).toBeDefined();
    expect(path.isAbsolute(dir!)).toBe(true);
    for (const f of WASM_FILES) expect(existsSync(path.join(dir!, f)), f).toBe(true);
  });
});

describe('parseBackendName', () => {
  it('accepts the four names and nothing else', () => {
    expect(['node-gpu', 'node', 'wasm', 'cpu'].map(parseBackendName)).toEqual(['node-gpu', 'node', 'wasm', 'cpu']);
    expect(parseBackendName('gpu')).toBeUndefined();
    expect(parseBackendName('WASM')).toBeUndefined();
  });
});
