/**
 * The model's trainable parameters, created under hierarchical names with seeded,
 * backend-independent initialisation (values are drawn in JS, then uploaded).
 *
 * Each parameter draws from its own generator seeded by a hash of `${seed}:${name}`, so
 * adding or removing a module (an EAM, a modality) never changes the initial values of
 * the others. The generator is mulberry32 (fast enough for the 27M values of Swin-Unet).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModelConfigError } from './model-config-error.ts';

/** Swin's initialisation: N(0, 0.02²) truncated at ±2σ for linear weights and bias tables. */
export const INIT_STD = 0.02;

export class ParameterStore {
  readonly variables = new Map<string, tf.Variable>();

  /**
   * @param seed initialisation seed
   * @param namespace prepended to every tfjs variable name (`v.name`), which tfjs requires
   *   to be unique among live variables: two models alive at once need different
   *   namespaces (or dispose the first). Default '' (tfjs names = parameter names).
   */
  constructor(
    readonly seed: number,
    readonly namespace = '',
  ) {}

  /** Truncated normal (±2σ) of standard deviation `std`. */
  normal(name: string, shape: number[], std = INIT_STD): tf.Variable {
    const rng = mulberry32(fnv1a(`${this.seed}:${name}`));
    const n = shape.reduce((p, d) => p * d, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; ) {
      // Box–Muller gives two normals; keep draws within 2σ.
      const r = Math.sqrt(-2 * Math.log(1 - rng()));
      const a = 2 * Math.PI * rng();
      const z1 = r * Math.cos(a);
      const z2 = r * Math.sin(a);
      if (Math.abs(z1) <= 2) values[i++] = z1 * std;
      if (i < n && Math.abs(z2) <= 2) values[i++] = z2 * std;
    }
    return this.add(name, tf.tensor(values, shape, 'float32'));
  }

  /** Uniform on [−bound, bound] (PyTorch's default initialisation of convolutions). */
  uniform(name: string, shape: number[], bound: number): tf.Variable {
    const rng = mulberry32(fnv1a(`${this.seed}:${name}`));
    const n = shape.reduce((p, d) => p * d, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = (2 * rng() - 1) * bound;
    return this.add(name, tf.tensor(values, shape, 'float32'));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.zeros(shape, 'float32'));
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.ones(shape, 'float32'));
  }

  /** Every value equal to `value`. */
  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, tf.fill(shape, value, 'float32'));
  }

  /** The variable called `name`. */
  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (v === undefined) throw new ModelConfigError(`no parameter named '${name}'`, 'check the module prefix');
    return v;
  }

  /** Number of scalars in all variables. */
  count(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }

  private add(name: string, init: tf.Tensor): tf.Variable {
    if (this.variables.has(name)) {
      init.dispose();
      throw new ModelConfigError(`parameter '${name}' created twice`, 'two modules share a prefix; give each its own');
    }
    // tfjs variable names are what checkpoints key on: stable across runs of the same IR.
    let v: tf.Variable;
    try {
      v = tf.variable(init, true, `${this.namespace}${name}`);
    } catch (e) {
      init.dispose();
      throw new ModelConfigError(
        `tfjs variable '${this.namespace}${name}' already exists (${(e as Error).message})`,
        'dispose the previous model first, or build this one with its own variableNamespace',
      );
    }
    init.dispose();
    this.variables.set(name, v);
    return v;
  }
}

/** 32-bit FNV-1a hash of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: uniform in [0, 1) from a 32-bit state. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
