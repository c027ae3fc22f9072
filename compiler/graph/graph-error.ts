/**
 * A model section that cannot be turned into a graph (a window that does not divide the
 * token grid, a crop that does not divide into patches, heads that do not divide a width).
 * The checker reports these with source spans first; this error is the graph builder's
 * own guard for IR that did not come through the checker.
 */
export class GraphError extends Error {
  override readonly name = 'GraphError';

  constructor(
    /** Run IR path (`model.backbone.window`). */
    readonly irPath: string,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${irPath}: ${problem} (hint: ${hint})`);
  }
}
