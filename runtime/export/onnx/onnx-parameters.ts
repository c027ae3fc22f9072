/**
 * Model parameters as ONNX initializers, named as ablate names them
 * (`shared/encoder/stage0/block1/attn/qkv/w`), each written once however many modules
 * read it. The graph's structure comes from a freshly built model (its variables give
 * the names); the values come from the exported model's weights, looked up by name.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ExportError } from '../export-error.ts';
import type { OnnxGraph } from './onnx-graph.ts';

export class OnnxParameters {
  private readonly written = new Map<string, string>();

  /**
   * @param weights the exported model's tensors by parameter name
   * @param namespace prefix of the tfjs variable names of the structure model
   */
  constructor(
    private readonly graph: OnnxGraph,
    private readonly weights: ReadonlyMap<string, tf.Tensor>,
    private readonly namespace: string,
  ) {}

  /** The initializer holding the weights of the parameter `v` stands for. */
  variable(v: tf.Variable): string {
    const name = v.name.startsWith(this.namespace) ? v.name.slice(this.namespace.length) : v.name;
    const t = this.weights.get(name);
    if (!t) throw new ExportError(`weight '${name}'`, 'missing from the saved model', 'the weights were saved for another model configuration; export the run again');
    if (t.shape.join() !== v.shape.join()) throw new ExportError(`weight '${name}'`, `is [${t.shape.join(', ')}], the graph needs [${v.shape.join(', ')}]`, 'the weights were saved for another model configuration');
    return this.tensor(name, t);
  }

  /** The initializer holding `t` under `name` (frozen values such as V3's Φ). */
  tensor(name: string, t: tf.Tensor): string {
    const known = this.written.get(name);
    if (known) return known;
    const values = t.dataSync() as Float32Array;
    const out = this.graph.initializer(name, Float32Array.from(values), t.shape);
    this.written.set(name, out);
    return out;
  }
}
