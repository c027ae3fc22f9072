/**
 * The model's public API (see README.md for conventions): build a model from the Run IR,
 * train it through `computeLosses`, export and reload the EAM-free inference model.
 */
export {
  buildModel,
  SegmentationModel,
  InferenceModel,
  type BuildModelOptions,
  type ForwardOptions,
  type ForwardResult,
  type ModalityBatch,
} from './build-model.ts';
export { saveInferenceModel, loadInferenceModel, saveWeights, loadWeights, WeightsFileError, type WeightsMeta } from './parameters.ts';
export { ModelConfigError } from './model-config-error.ts';
export { BACKBONE_VARIANTS, JOINT_VARIANTS, type JointVariant } from './variants.ts';
export { backboneGeometry, type BackboneGeometry } from './backbone.ts';
