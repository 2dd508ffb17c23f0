/**
 * The nemesis package: what the test lifecycle imports. nemesisFromSpec builds the composite
 * from `--nemesis` and `--partition`; runSchedule performs a fault schedule during the main
 * phase (flagSchedule: the --nemesis flags as one; schedules.ts: the named ones of --schedule).
 */
export type { Nemesis, NemesisContext, Schedule, ScheduleContext } from '../ground/nemesis.js';
export { ALL_FAULTS, DISK_FAULTS, FAULTS, NEMESIS_NAMES, nemesisFromSpec, parseNemesisSpec, type ComposedNemesis, type Fault, type NemesisOptions } from './compose.js';
export { flagSchedule, healSchedule, runNemesis, runSchedule, type NemesisRunResult, type RunScheduleOptions } from './schedule.js';
export { namedSchedule, parseScheduleName, SCHEDULE_NAMES, type ScheduleName } from './schedules.js';
export { PARTITION_SHAPES, parsePartitionShapes, type PartitionShape } from './grudges.js';
export { CLOCK_MODES, CLOCK_TARGETS, parseClockDrift, parseClockOffset, type ClockMode, type ClockOptions, type ClockTarget } from './clock.js';
export { NODE_TARGETS, TARGETS, type NodeTarget, type Target } from './targets.js';
export { parseNames } from './names.js';
