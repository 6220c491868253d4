// facet as a library. This entry loads the native engine (models, training); the
// subpaths 'facet/predict', 'facet/onnx', 'facet/data' and 'facet/metrics' do not, for
// users who only predict or read data.
export * as models from './models/index.js';
export { buildModel, MODEL_NAMES, type ModelName, type BuildOptions } from './models/registry.js';
export { REGION_NAMES, REGION_COUNT, Region } from './regions.js';
export * as data from './data/index.js';
export { prepareRun, type RunSettings } from './train/setup.js';
export { train, type TrainOptions } from './train/trainer.js';
export { DEFAULT_RECIPE, type Recipe, type RunConfig } from './runs/config.js';
export { evaluateRun, evaluateEnsemble, type RunEvaluation } from './eval/evaluate_run.js';
export * as metrics from './metrics/metrics.js';
export { runExperiment, type ExperimentOptions } from './experiment/experiment.js';
export { predictImages, Predictor, toJson, type PredictionResult, type FacePrediction, type PredictOptions, type AlignMode } from './infer/predict.js';
export { facesInPhoto, type PhotoFace, type PhotoFaces } from './face/faces_in_photo.js';
export { alignFace, alignmentTransform, type AlignedFace } from './face/align.js';
export { CELEBA_TEMPLATE } from './face/celeba_template.js';
export { readBundle, type Bundle, type BundleConfig } from './infer/bundle.js';
export { bundleFromRuns } from './infer/bundle_from_runs.js';
export { TorchPipeline } from './infer/torch_pipeline.js';
export { exportBundleToOnnx } from './infer/onnx/export.js';
export { OnnxPipeline } from './infer/onnx/onnx_pipeline.js';
export { FACET_VERSION } from './version.js';
