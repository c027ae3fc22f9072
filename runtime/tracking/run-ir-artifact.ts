/**
 * A run's Run IR as logged by `ablate run` (artifact `run-ir.json`), read back from any
 * tracker (FileStore or REST), with the run's tags: what `ablate diff <runA> <runB>` compares.
 */
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { TrackingError } from './tracking-error.ts';
import type { Run, Tracker } from './tracker.ts';

/** The artifact every run's Run IR is logged under. */
export const RUN_IR_ARTIFACT = 'run-ir.json';

/** An MLflow run id (32 hex, as MLflow makes them). */
export const RUN_ID = /^[0-9a-f]{32}$/;

export interface LoggedRun {
  run: Run;
  ir: RunIR;
}

/** Run `runId` and its logged Run IR; a clear `TrackingError` when the run or its IR is missing. */
export async function readLoggedRun(tracker: Tracker, runId: string): Promise<LoggedRun> {
  const run = await tracker.getRun(runId);
  let bytes: Uint8Array;
  try {
    bytes = await tracker.readArtifact(runId, RUN_IR_ARTIFACT);
  } catch (error) {
    throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `run ${runId} in ${tracker.uri} has no ${RUN_IR_ARTIFACT} artifact`, {
      hint: 'only runs made by `ablate run` / `reproduce` log their Run IR (parent runs of sweeps, repeats and tables do not)',
      cause: error,
    });
  }
  try {
    return { run, ir: JSON.parse(Buffer.from(bytes).toString('utf8')) as RunIR };
  } catch (error) {
    throw new TrackingError('INVALID_STATE', `${RUN_IR_ARTIFACT} of run ${runId} in ${tracker.uri} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}
