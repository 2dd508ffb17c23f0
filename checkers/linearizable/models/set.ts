/**
 * The set model (our set workload, small histories): elements are added one at a time and a
 * read returns the whole set. State: the sorted canonical keys of the elements.
 *
 * Our history ops: f=add (value: the element, any JSON value); f=read (ok value: an array of
 * every element present, any order). A crashed add may take effect; a crashed read accepts
 * anything.
 */
import type { Model } from '../types.js';
import type { ModelSpec } from './spec.js';
import { canonicalKey, describeValue, historyError } from './util.js';

export type SetInput = { f: 'add'; element: string } | { f: 'read' };
export interface SetOutput {
  /** read: the canonical keys of the elements read, sorted, without duplicates. */
  elements?: readonly string[];
  unknown?: boolean;
}
/** Sorted canonical keys. */
export type SetState = readonly string[];

const REJECT = [false, [] as SetState] as const;
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export const setModel: Model<SetState, SetInput, SetOutput> = {
  name: 'set',
  init: () => [],
  step(state, input, output) {
    if (input.f === 'read') return output.unknown || sameList(state, output.elements ?? []) ? [true, state] : REJECT;
    if (state.includes(input.element)) return [true, state];
    return [true, [...state, input.element].sort()];
  },
  hash: (s) => s.join('\u0000'),
  readOnly: (input) => input.f === 'read',
  describeOperation(input, output) {
    if (input.f === 'add') return `add(${input.element})${output.unknown ? ' -> ?' : ''}`;
    return `read() -> ${output.unknown ? '?' : `#{${(output.elements ?? []).join(' ')}}`}`;
  },
  describeState: (s) => `#{${s.join(' ')}}`,
  sizeOf: (s) => 32 + s.reduce((n, x) => n + 16 + 2 * x.length, 0),
};

export const setModelSpec: ModelSpec<SetState, SetInput, SetOutput> = {
  name: 'set',
  description:
    'A grow-only set, initially empty (for small histories: the state is the whole set). Ops: f=add (value: the element), f=read (ok value: an array of all elements present).',
  create: () => setModel,
  fromHistory(invoke, completion) {
    if (invoke.f === 'add') {
      if (invoke.value === undefined) throw historyError(invoke, 'an add needs a value');
      return { input: { f: 'add', element: canonicalKey(invoke.value) }, output: { unknown: completion === undefined } };
    }
    if (invoke.f === 'read') {
      if (completion === undefined) return { input: { f: 'read' }, output: { unknown: true } };
      if (!Array.isArray(completion.value)) throw historyError(completion, `a set read must return an array, got ${describeValue(completion.value)}`);
      const elements = [...new Set(completion.value.map(canonicalKey))].sort();
      return { input: { f: 'read' }, output: { elements } };
    }
    throw historyError(invoke, `f "${invoke.f}" is not an operation of the set model (add, read)`);
  },
};
