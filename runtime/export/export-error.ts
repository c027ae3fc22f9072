/**
 * A model that cannot be exported, or an exported file that cannot be read back: names
 * what (a folder, a file, a weight) and carries a hint (the CLI prints both).
 */
export class ExportError extends Error {
  override readonly name = 'ExportError';

  constructor(
    readonly subject: string,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${subject}: ${problem}`);
  }
}
