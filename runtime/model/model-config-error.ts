/**
 * A model that cannot be built or run as configured (a window that does not divide the
 * token grid, heads that do not divide a width, an unknown modality). The message says
 * what is wrong; `hint` says what to change in the experiment; `irPath`, when known, is
 * the Run IR path that configured it (`model.backbone.window`), which the CLI maps back
 * to `file:line:col` through the IR source map.
 */
export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';

  constructor(
    readonly problem: string,
    readonly hint: string,
    readonly irPath?: string,
  ) {
    super(`${irPath ? `${irPath}: ` : ''}${problem} (hint: ${hint})`);
  }
}
