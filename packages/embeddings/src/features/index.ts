/** Baseline features: MFCC and log-mel summaries to compare models against. */
export {
  computeFeatures,
  type FeatureKind,
  type FeatureOptions,
  type Features,
} from "./compute.js";
export { FftPlan } from "./fft.js";
export { type FeatureModelOptions, featureModel } from "./model.js";
