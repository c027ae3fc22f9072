/**
 * The checks, registered once in a table keyed by what they check (as Langium's
 * `registerValidationChecks`): a concrete run (`Run`, an expanded experiment), a
 * `Dataset`, a `Table`, a `Figure`. The compiler runs every check of a kind on every
 * node of that kind after type checking succeeded for it.
 */
import {
  checkAuxNeedsEam,
  checkBackboneMatchesData,
  checkConsistencyNeedsEam,
  checkConsistencyNeedsTwoModalities,
  checkDatasetHasModalities,
  checkEamHeadsDivideDim,
  checkEamNeedsClassEmbedding,
  checkEamStagesExist,
  checkFewShotFeasible,
  checkHeadsDivideDim,
  checkBackgroundValuesAreNotClasses,
  checkLabelValuesMatchClasses,
  checkModalitiesExist,
  checkPatchDividesCrop,
  checkPhantomCasesStated,
  checkSampleFeasible,
  checkSampleModalitiesTrained,
  checkCropAtNeeds2d,
  checkSliceAxisNeeds2d,
  checkResizeCoversCrop,
  checkSlicesOdd,
  checkSplitLeavesTraining,
  checkSplitSumsToOne,
  checkStageListsMatch,
  checkTauPositive,
  checkV3NeedsClassEmbedding,
  checkWeightsNonNegative,
  checkWindowDividesResolution,
  type DatasetContext,
  type RunContext,
} from './domain.ts';
import { checkFigureAxis, checkFigureReferencesKnown, checkPaperNamesKnown, checkTableColumnsKnown, checkTableRowsKnown, type FigureContext, type TableContext } from './tables.ts';

export interface CheckTable {
  Run: ((ctx: RunContext) => void)[];
  Dataset: ((ctx: DatasetContext) => void)[];
  Table: ((ctx: TableContext) => void)[];
  Figure: ((ctx: FigureContext) => void)[];
}

export const checks: CheckTable = {
  Dataset: [checkDatasetHasModalities, checkLabelValuesMatchClasses, checkBackgroundValuesAreNotClasses, checkPhantomCasesStated],
  Run: [
    checkSplitSumsToOne,
    checkModalitiesExist,
    checkSplitLeavesTraining,
    checkFewShotFeasible,
    checkSampleFeasible,
    checkSampleModalitiesTrained,
    checkCropAtNeeds2d,
    checkSliceAxisNeeds2d,
    checkResizeCoversCrop,
    checkSlicesOdd,
    checkBackboneMatchesData,
    checkStageListsMatch,
    checkHeadsDivideDim,
    checkPatchDividesCrop,
    checkWindowDividesResolution,
    checkEamStagesExist,
    checkEamHeadsDivideDim,
    checkAuxNeedsEam,
    checkConsistencyNeedsTwoModalities,
    checkConsistencyNeedsEam,
    checkV3NeedsClassEmbedding,
    checkEamNeedsClassEmbedding,
    checkTauPositive,
    checkWeightsNonNegative,
  ],
  Table: [checkTableRowsKnown, checkTableColumnsKnown, checkPaperNamesKnown],
  Figure: [checkFigureAxis, checkFigureReferencesKnown],
};

/** Runs every check registered for `kind`. */
export function runChecks<K extends keyof CheckTable>(kind: K, ctx: Parameters<CheckTable[K][number]>[0]): void {
  for (const check of checks[kind] as ((c: typeof ctx) => void)[]) check(ctx);
}
