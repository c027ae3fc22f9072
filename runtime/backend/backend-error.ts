import type { BackendName } from './backend-name.ts';

/**
 * A backend the user asked for (`--backend NAME`) could not be started.
 * `attempts` lists every backend tried, in order, with the reason it failed.
 */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly requested: BackendName | 'any',
    readonly attempts: ReadonlyArray<{ backend: BackendName; reason: string }>,
    readonly hint: string,
  ) {
    const tried = attempts.map((a) => `  ${a.backend}: ${a.reason}`).join('\n');
    super(`backend '${requested}' could not be started:\n${tried}\nhint: ${hint}`);
  }
}

/** The gradient registry is empty: tfjs-layers (or the all-in-one tfjs) was not loaded. */
export class GradientsMissingError extends Error {
  override readonly name = 'GradientsMissingError';
  constructor(readonly kernel: string) {
    super(
      `no gradient is registered for kernel '${kernel}'; ` +
        `hint: import '@tensorflow/tfjs-layers' before training (tfjs-core's Node bundle registers none)`,
    );
  }
}
