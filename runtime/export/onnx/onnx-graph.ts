/**
 * A builder for one ONNX graph: nodes in topological order (the order they are added),
 * named initializers, and constants of shapes and axes, as plain objects in the layout of
 * `onnx-schema.ts` (protobufjs `fromObject` input). Ops whose spelling depends on the
 * opset (LayerNormalization from 17, Gelu from 20) are chosen here, so the layers written
 * on top of it work for every supported opset.
 */
import { LAYER_NORM_EPS } from '../../ops/index.ts';
import { OnnxAttributeType, OnnxDataType } from './onnx-schema.ts';

/** Opsets the exporter writes: 13 (Softmax on one axis, Split/Unsqueeze axes as inputs) up to 21. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
export const DEFAULT_OPSET = 17;

/** ONNX IR version that introduced each opset (onnx/docs/Versioning.md). */
export function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

export interface AttributeObject {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}

export interface NodeObject {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: AttributeObject[];
}

export interface TensorObject {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** Attribute values: a number is INT unless wrapped with `float()`, an array is INTS. */
export type AttributeValue = number | number[] | string | { float: number };

export const float = (f: number): { float: number } => ({ float: f });

function attribute(name: string, v: AttributeValue): AttributeObject {
  if (typeof v === 'number') return { name, type: OnnxAttributeType.INT, i: v };
  if (typeof v === 'string') return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: OnnxAttributeType.INTS, ints: v };
  return { name, type: OnnxAttributeType.FLOAT, f: v.float };
}

function bytesOf(values: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian; so is every platform Node runs on (checked once below).
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('ONNX export needs a little-endian machine');

export class OnnxGraph {
  readonly nodes: NodeObject[] = [];
  readonly initializers: TensorObject[] = [];
  private readonly names = new Set<string>();
  private readonly int64Constants = new Map<string, string>();
  private readonly floatConstants = new Map<number, string>();
  private counter = 0;

  constructor(readonly opset: number) {}

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** A float32 initializer; its name is kept when free (parameters keep ablate's names). */
  initializer(name: string, values: Float32Array, dims: readonly number[]): string {
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, dims: [...dims], dataType: OnnxDataType.FLOAT, rawData: bytesOf(values) });
    return unique;
  }

  /** An int64 initializer (shapes, axes, indices), shared between nodes that use the same values. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    const known = this.int64Constants.get(key);
    if (known) return known;
    const name = this.fresh(`const_i64_${this.int64Constants.size}`);
    this.initializers.push({ name, dims: [...dims], dataType: OnnxDataType.INT64, rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) });
    this.int64Constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    const known = this.floatConstants.get(value);
    if (known) return known;
    const name = this.fresh(`const_f32_${this.floatConstants.size}`);
    this.initializers.push({ name, dims: [], dataType: OnnxDataType.FLOAT, rawData: bytesOf(new Float32Array([value])) });
    this.floatConstants.set(value, name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttributeValue> = {}, hint = opType.toLowerCase()): string {
    const out = this.fresh(hint);
    this.nodes.push({
      input: [...inputs],
      output: [out],
      name: `${out}_node`,
      opType,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  reshape(x: string, shape: readonly number[], hint = 'reshape'): string {
    return this.op('Reshape', [x, this.int64(shape)], {}, hint);
  }

  transpose(x: string, perm: readonly number[], hint = 'transpose'): string {
    return this.op('Transpose', [x], { perm: [...perm] }, hint);
  }

  /** `x W (+ b)` on the last axis. */
  linear(x: string, w: string, b: string | undefined, hint: string): string {
    const y = this.op('MatMul', [x, w], {}, hint);
    return b ? this.op('Add', [y, b], {}, `${hint}_bias`) : y;
  }

  /** LayerNorm over the last axis, ε = 1e-5 (PyTorch's, as ablate's `layerNorm`). */
  layerNorm(x: string, gamma: string, beta: string, hint: string): string {
    if (this.opset >= 17) return this.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: float(LAYER_NORM_EPS) }, hint);
    const mean = this.op('ReduceMean', [x], { axes: [-1], keepdims: 1 }, `${hint}_mean`);
    const centred = this.op('Sub', [x, mean], {}, `${hint}_centred`);
    const variance = this.op('ReduceMean', [this.op('Mul', [centred, centred], {}, `${hint}_sq`)], { axes: [-1], keepdims: 1 }, `${hint}_var`);
    const std = this.op('Sqrt', [this.op('Add', [variance, this.scalar(LAYER_NORM_EPS)], {}, `${hint}_var_eps`)], {}, `${hint}_std`);
    const normed = this.op('Div', [centred, std], {}, `${hint}_hat`);
    return this.op('Add', [this.op('Mul', [normed, gamma], {}, `${hint}_scaled`), beta], {}, hint);
  }

  /** Exact GELU, `x Φ(x) = x (1 + erf(x/√2)) / 2` (Swin's `nn.GELU()`). */
  gelu(x: string, hint: string): string {
    if (this.opset >= 20) return this.op('Gelu', [x], { approximate: 'none' }, hint);
    const e = this.op('Erf', [this.op('Mul', [x, this.scalar(Math.SQRT1_2)], {}, `${hint}_scaled`)], {}, `${hint}_erf`);
    const half = this.op('Mul', [x, this.scalar(0.5)], {}, `${hint}_half`);
    return this.op('Mul', [half, this.op('Add', [e, this.scalar(1)], {}, `${hint}_1p`)], {}, hint);
  }

  /** `torch.roll(x, shift, axis)`: `out[i] = x[(i - shift) mod n]`, as two slices and a concat. */
  roll(x: string, shift: number, axis: number, n: number, hint: string): string {
    const s = ((shift % n) + n) % n;
    if (s === 0) return x;
    const slice = (start: number, end: number) => this.op('Slice', [x, this.int64([start]), this.int64([end]), this.int64([axis])], {}, `${hint}_slice`);
    return this.op('Concat', [slice(n - s, n), slice(0, n - s)], { axis }, hint);
  }
}
