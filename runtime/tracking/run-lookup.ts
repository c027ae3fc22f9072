/**
 * Finding earlier runs of the same spec: a FINISHED run is reused instead of retrained, a
 * KILLED one is resumed. A spec is identified by its hash (tag `ablate.specHash`).
 */
import { ABLATE_TAGS } from './run-tags.ts';
import { runFilter } from './run-search.ts';
import type { Run, RunStatus, Tracker } from './tracker.ts';

/**
 * The newest active run (by start time) of `specHash` with `status` in experiment
 * `experimentName`; undefined when there is none or the experiment does not exist.
 */
export async function findRunBySpecHash(
  tracker: Tracker,
  query: { experimentName: string; specHash: string; status: RunStatus },
): Promise<Run | undefined> {
  const experiment = await tracker.getExperimentByName(query.experimentName);
  if (experiment === undefined || experiment.lifecycleStage !== 'active') return undefined;
  const runs = await tracker.searchRuns({
    experimentIds: [experiment.experimentId],
    filter: runFilter({ tags: { [ABLATE_TAGS.specHash]: query.specHash }, status: query.status }),
    orderBy: ['attributes.start_time DESC'],
    maxResults: 1,
  });
  return runs[0];
}

/** A FINISHED run of this spec, to reuse instead of training again (unless --force). */
export function findFinishedRun(tracker: Tracker, experimentName: string, specHash: string): Promise<Run | undefined> {
  return findRunBySpecHash(tracker, { experimentName, specHash, status: 'FINISHED' });
}

/** A KILLED run of this spec, to resume from its checkpoint. */
export function findKilledRun(tracker: Tracker, experimentName: string, specHash: string): Promise<Run | undefined> {
  return findRunBySpecHash(tracker, { experimentName, specHash, status: 'KILLED' });
}
