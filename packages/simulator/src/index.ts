// The simulator package's only door: world generation with ground truth, and scoring.

export { COVERAGE_HELP, COVERAGE_MODELS, type CoverageModel, isCoverageModel } from './coverage.ts';
export { type EvalReport, type EvaluateOptions, evaluate, formatEvalReport, type Score } from './evaluate.ts';
export { loadCities } from './geography.ts';
export { PERSONAS, type Persona } from './population.ts';
export { type SignalingFormat, type SimulateOptions, type SimulateResult, simulate } from './simulate.ts';
export type { TruthAbroad, TruthLine, TruthStay } from './truth.ts';
export { type Decision, truthForWindow, type Window, windowOf } from './window-rules.ts';
