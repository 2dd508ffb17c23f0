/**
 * Our workloads' register models: `register` (read/write), `cas-register` (read/write/cas) and
 * `kv` (a cas-register per key, partitioned by key). Values are any JSON data; null means absent.
 *
 * Our history ops (ground/history.ts):
 *   read:  invoke {f:'read'}                 ok value = the value read (null = absent)
 *   write: invoke {f:'write', value: v}      ok
 *   cas:   invoke {f:'cas', value: [from,to]} ok = it swapped (a cas that did not swap is a
 *          `fail`: dropped, it did not happen)
 *   kv: every op also carries `key` (a string).
 * A crashed (info / never completed) read accepts any value; a crashed write may take effect;
 * a crashed cas takes effect iff it is linearized while the register holds `from`.
 */
import { stringifyExact } from '../../../ground/exact-json.js';
import type { Model } from '../types.js';
import { missedWrite } from './missed-write.js';
import type { ModelOptions, ModelSpec } from './spec.js';
import { canonicalKey, describeValue, expectCasPair, historyError } from './util.js';

export type RegisterInput =
  | { f: 'read'; key?: string }
  | { f: 'write'; key?: string; value: unknown }
  | { f: 'cas'; key?: string; from: unknown; to: unknown };

export interface RegisterOutput {
  /** read: the value read (null = absent). */
  value?: unknown;
  /** The outcome was never observed: accept in any state. */
  unknown?: boolean;
}

/** A canonical key for a register value (numbers stay numbers: cheap and exact; bigints and
 *  wider decimals get their number text, which no number's key and no string's key equals). */
const valueKey = (v: unknown): string | number => (typeof v === 'number' ? v : canonicalKey(v ?? null));
const same = (a: unknown, b: unknown): boolean => a === b || valueKey(a) === valueKey(b);

interface RegisterFlavor {
  name: string;
  cas: boolean;
  byKey: boolean;
}

function createRegisterModel(flavor: RegisterFlavor, options: ModelOptions = {}): Model<unknown, RegisterInput, RegisterOutput> {
  const initial = options.initial ?? null;
  const REJECT = [false, null] as const;
  const show = (v: unknown) => (v === null || v === undefined ? 'nil' : stringifyExact(v));
  const keyPrefix = (input: RegisterInput) => (flavor.byKey ? `${JSON.stringify(input.key)}, ` : '');
  const model: Model<unknown, RegisterInput, RegisterOutput> = {
    name: flavor.name,
    init: () => initial,
    step(state, input, output) {
      switch (input.f) {
        case 'read':
          return output.unknown || same(state, output.value ?? null) ? [true, state] : REJECT;
        case 'write':
          return [true, input.value];
        case 'cas': {
          const matches = same(state, input.from);
          if (matches) return [true, input.to];
          return output.unknown ? [true, state] : REJECT;
        }
      }
    },
    hash: valueKey,
    readOnly: (input) => input.f === 'read',
    describeOperation(input, output) {
      const tail = output.unknown ? ' -> ?' : '';
      switch (input.f) {
        case 'read':
          return `read(${flavor.byKey ? JSON.stringify(input.key) : ''}) -> ${output.unknown ? '?' : show(output.value)}`;
        case 'write':
          return `write(${keyPrefix(input)}${show(input.value)})${tail}`;
        case 'cas':
          return `cas(${keyPrefix(input)}${show(input.from)}, ${show(input.to)})${tail}`;
      }
    },
    describeState: show,
    sizeOf: (s) => (typeof s === 'number' || s === null ? 16 : 32 + 2 * String(valueKey(s)).length),
  };
  if (flavor.byKey) model.partitionKey = (input) => input.key as string;
  // A completed write or cas (a cas that completed swapped) leaves its value; any write or cas,
  // crashed ones too, may replace it.
  const written = (input: RegisterInput) => (input.f === 'write' ? input.value : input.f === 'cas' ? input.to : undefined);
  model.refute = missedWrite<RegisterInput, RegisterOutput>({
    isRead: (input, output) => input.f === 'read' && !output.unknown,
    isWrite: (input, output) => input.f !== 'read' && !output.unknown,
    overwrites: (input) => input.f !== 'read',
    shows: (read, write) => same(written(write.input), read.output.value ?? null),
    describe: (input, output) => model.describeOperation!(input, output),
  });
  return model;
}

function registerSpec(flavor: RegisterFlavor, description: string): ModelSpec<unknown, RegisterInput, RegisterOutput> {
  return {
    name: flavor.name,
    description,
    create: (options) => createRegisterModel(flavor, options),
    fromHistory(invoke, completion) {
      let key: string | undefined;
      if (flavor.byKey) {
        if (typeof invoke.key !== 'string') throw historyError(invoke, `the kv model needs a string key, got ${describeValue(invoke.key)}`);
        key = invoke.key;
      }
      const unknown = completion === undefined;
      switch (invoke.f) {
        case 'read':
          return { input: { f: 'read', key }, output: unknown ? { unknown } : { value: completion.value ?? null } };
        case 'write':
          if (invoke.value === undefined) throw historyError(invoke, 'a write needs a value');
          return { input: { f: 'write', key, value: invoke.value }, output: { unknown } };
        case 'cas': {
          if (!flavor.cas) break;
          const [from, to] = expectCasPair(invoke);
          return { input: { f: 'cas', key, from, to }, output: { unknown } };
        }
      }
      throw historyError(invoke, `f "${invoke.f}" is not an operation of the ${flavor.name} model (${flavor.cas ? 'read, write, cas' : 'read, write'})`);
    },
  };
}

export const registerModelSpec = registerSpec(
  { name: 'register', cas: false, byKey: false },
  'A read/write register holding any JSON value, initially null (absent) or options.initial. Ops: f=read (ok value: the value read), f=write (value: v).',
);

export const casRegisterModelSpec = registerSpec(
  { name: 'cas-register', cas: true, byKey: false },
  'A read/write/cas register holding any JSON value, initially null (absent) or options.initial. Ops: f=read (ok value: the value read), f=write (value: v), f=cas (value: [from, to]; ok = swapped, a cas that did not swap must be a fail).',
);

export const kvModelSpec = registerSpec(
  { name: 'kv', cas: true, byKey: true },
  'Our kv workload: one cas-register per key (partitioned by key), each initially null (absent) or options.initial. Ops carry a string key: f=read (ok value: the value read), f=write (value: v), f=cas (value: [from, to]).',
);
