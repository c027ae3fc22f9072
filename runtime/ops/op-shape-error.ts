/**
 * An op in `runtime/ops` got tensors whose ranks or sizes do not fit together.
 * `op` names the op, `detail` quotes the actual shapes, `hint` says what would fit.
 */
export class OpShapeError extends Error {
  override readonly name = 'OpShapeError';
  constructor(
    readonly op: string,
    readonly detail: string,
    readonly hint: string,
  ) {
    super(`${op}: ${detail}; hint: ${hint}`);
  }
}

/** `[2, 3, 4]` as text, for messages. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
