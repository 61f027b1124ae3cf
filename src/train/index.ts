// Contract: src/train is the training loop as a library: fit() and evaluate() over any (async)
// iterable of [input, target] batches, GPU-side metrics (accuracy, top-k, confusion matrix) read back
// once per evaluation, and callbacks (EarlyStopping, ModelCheckpoint, History, ScalarLogger) that see
// only numbers fit() has already read. fit() reads the loss every logEvery steps and once per epoch,
// never per step; live buffers stay flat across epochs. Sinks make file writing (Node) and memory or
// dashboards (browser) the caller's choice: nothing here touches the file system. Options objects
// reject unknown names, naming the closest valid one. Sits above nn and optim.
export { fit, evaluate, type FitOptions, type FitResult, type EvaluateOptions, type Batches, type LossFn } from './fit.ts';
export { accuracy, topKAccuracy, correctCount, topKCount, confusionMatrix, Metrics, type MetricsOptions, type MetricsResult } from './metrics.ts';
export { EarlyStopping, ModelCheckpoint, History, type Callback, type Logs, type TrainContext, type Mode, type EarlyStoppingOptions, type ModelCheckpointOptions, type CheckpointSink, type CheckpointInfo } from './callbacks.ts';
export { ScalarLogger, memorySink, textSink, toJsonl, toCsv, parseJsonl, CSV_HEADER, type ScalarRecord, type ScalarSink, type ScalarLoggerOptions } from './scalars.ts';
export { checkOptions, closest } from './options.ts';
