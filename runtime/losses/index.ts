/** The losses of paper §2.3 (eq. 9–12) and the segmentation loss; see each file's TSDoc. */
export { crossEntropy } from './cross-entropy.ts';
export { diceLoss, type DiceLossOptions } from './dice-loss.ts';
export { auxLoss, type AuxLossWeights } from './aux-loss.ts';
export { modalityConsistency, imageConsistency, imageConsistencyAtScale } from './consistency.ts';
export { totalLoss, type CouplingInput, type LossTerms, type ModalityLossInput } from './total-loss.ts';
export { downsampleLabels, labelMap, oneHotLabels } from './labels.ts';
export { LossInputError } from './loss-input-error.ts';
