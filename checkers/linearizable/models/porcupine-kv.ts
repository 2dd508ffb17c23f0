/**
 * Porcupine's kv model (its `kv` test histories): string values, get / put / append, partitioned
 * by key, so the per-partition state is one string (initially ""), kept as an interned id.
 *
 * Our history adapter: f = get | put | append with `key`; put/append's value is the string
 * written; get's ok value is the string read. A crashed get accepts anything; a crashed put or
 * append may take effect.
 */
import type { Model } from '../types.js';
import { missedWrite } from './missed-write.js';
import type { ModelSpec } from './spec.js';
import { StringTable } from './string-table.js';
import { describeValue, historyError } from './util.js';

export interface PorcupineKvInput {
  op: 'get' | 'put' | 'append';
  key: string;
  /** put / append: the value written; get: unused (""). */
  value: string;
}

export interface PorcupineKvOutput {
  /** get: the value read. */
  value: string;
  /** The outcome was never observed: accept in any state. */
  unknown?: boolean;
}

/**
 * The state (the key's string) is an id in a StringTable owned by this model instance: create
 * one model per check, since the table lives as long as the model.
 */
export function createPorcupineKvModel(): Model<number, PorcupineKvInput, PorcupineKvOutput> {
  const table = new StringTable();
  const REJECT = [false, StringTable.EMPTY] as const;
  /** A get's output -> the id of the string it read. */
  const readIds = new Map<PorcupineKvOutput, number>();
  const model: Model<number, PorcupineKvInput, PorcupineKvOutput> = {
    name: 'porcupine-kv',
    init: () => StringTable.EMPTY,
    step(state, input, output) {
      switch (input.op) {
        case 'get': {
          if (output.unknown) return [true, state];
          // Compare ids, not strings (an appended state is an unflattened rope); lengths first.
          if (table.lengthOf(state) !== output.value.length) return REJECT;
          let id = readIds.get(output);
          if (id === undefined) readIds.set(output, (id = table.idOf(output.value)));
          return id === state ? [true, state] : REJECT;
        }
        case 'put':
          return [true, table.idOf(input.value)];
        case 'append':
          return [true, table.append(state, input.value)];
      }
    },
    hash: (s) => s,
    readOnly: (input) => input.op === 'get',
    partitionKey: (input) => input.key,
    describeOperation(input, output) {
      switch (input.op) {
        case 'get':
          return `get(${JSON.stringify(input.key)}) -> ${output.unknown ? '?' : JSON.stringify(output.value)}`;
        case 'put':
          return `put(${JSON.stringify(input.key)}, ${JSON.stringify(input.value)})`;
        case 'append':
          return `append(${JSON.stringify(input.key)}, ${JSON.stringify(input.value)})`;
      }
    },
    describeState: (s) => JSON.stringify(table.str(s)),
    retainedBytes: () => table.bytes,
  };
  // Appends only extend the value and only a put replaces it.
  model.refute = missedWrite<PorcupineKvInput, PorcupineKvOutput>({
    isRead: (input, output) => input.op === 'get' && !output.unknown,
    isWrite: (input, output) => input.op !== 'get' && !output.unknown,
    overwrites: (input) => input.op === 'put',
    shows: (read, write) => (write.input.op === 'put' ? read.output.value.startsWith(write.input.value) : read.output.value.includes(write.input.value)),
    describe: (input, output) => model.describeOperation!(input, output),
  });
  return model;
}

export const porcupineKvSpec: ModelSpec<number, PorcupineKvInput, PorcupineKvOutput> = {
  name: 'porcupine-kv',
  description:
    "Porcupine's kv model: string values per key, initially \"\", partitioned by key. Ops: f=get (ok value: the string read), f=put and f=append (value: a string); every op has a string `key`.",
  create: createPorcupineKvModel,
  fromHistory(invoke, completion) {
    if (typeof invoke.key !== 'string') throw historyError(invoke, `needs a string key, got ${describeValue(invoke.key)}`);
    const key = invoke.key;
    switch (invoke.f) {
      case 'get': {
        if (completion === undefined) return { input: { op: 'get', key, value: '' }, output: { value: '', unknown: true } };
        if (typeof completion.value !== 'string') throw historyError(completion, `a get must read a string, got ${describeValue(completion.value)}`);
        return { input: { op: 'get', key, value: '' }, output: { value: completion.value } };
      }
      case 'put':
      case 'append':
        if (typeof invoke.value !== 'string') throw historyError(invoke, `the value of ${invoke.f} must be a string, got ${describeValue(invoke.value)}`);
        return { input: { op: invoke.f, key, value: invoke.value }, output: { value: '', unknown: completion === undefined } };
      default:
        throw historyError(invoke, `f "${invoke.f}" is not an operation of the porcupine-kv model (get, put, append)`);
    }
  },
};
