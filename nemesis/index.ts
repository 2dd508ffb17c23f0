/**
 * The nemesis package: what the test lifecycle imports. nemesisFromSpec builds the composite
 * from `--nemesis` and `--partition`; runNemesis drives it during the main phase.
 */
export type { Nemesis, NemesisContext } from '../ground/nemesis.js';
export { ALL_FAULTS, DISK_FAULTS, FAULTS, NEMESIS_NAMES, nemesisFromSpec, parseNemesisSpec, type ComposedNemesis, type Fault, type NemesisOptions } from './compose.js';
export { runNemesis, type NemesisRunResult, type RunNemesisOptions } from './runner.js';
export { PARTITION_SHAPES, parsePartitionShapes, type PartitionShape } from './grudges.js';
export { CLOCK_MODES, CLOCK_TARGETS, parseClockOffset, type ClockMode, type ClockOptions, type ClockTarget } from './clock.js';
export { NODE_TARGETS, TARGETS, type NodeTarget, type Target } from './targets.js';
export { parseNames } from './names.js';
