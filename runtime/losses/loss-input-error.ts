/** Tensors given to a loss that do not fit it (shapes, class counts, batch sizes). */
export class LossInputError extends Error {
  override readonly name = 'LossInputError';

  constructor(
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${problem} (hint: ${hint})`);
  }
}
