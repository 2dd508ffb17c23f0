/**
 * Porcupine's etcd register model (the one its Jepsen etcd tests use): one register that may
 * be absent (null), read / write / cas, and an `unknown` output flag for operations whose
 * outcome was never seen (the op may take effect at any point after its call, or never).
 *
 * Our history adapter: f = read | write | cas on a single register; read's ok value is the
 * value read (null = absent), write's value is v, cas's value is [from, to]; an ok cas
 * succeeded (fail ops are dropped before this adapter runs).
 */
import type { Op } from '../../../ground/history.js';
import type { Model } from '../types.js';
import type { ModelSpec } from './spec.js';
import { describeValue, expectCasPair, historyError } from './util.js';

export type EtcdInput =
  | { op: 'read' }
  | { op: 'write'; value: EtcdInt }
  | { op: 'cas'; from: EtcdInt; to: EtcdInt };

/** An integer, exact: a bigint beyond 2^53 (ground/exact-json.ts); `===` compares either. */
export type EtcdInt = number | bigint;

export interface EtcdOutput {
  /** cas: whether it swapped. */
  ok: boolean;
  /** read: whether the key existed. */
  exists: boolean;
  /** read: the value read when it existed. */
  value: EtcdInt;
  /** The outcome was never observed: accept in any state. */
  unknown: boolean;
}

/** null = the key is absent. */
export type EtcdState = EtcdInt | null;

const REJECT = [false, null] as const;

export const etcdModel: Model<EtcdState, EtcdInput, EtcdOutput> = {
  name: 'etcd',
  init: () => null,
  step(state, input, output) {
    switch (input.op) {
      case 'read': {
        const legal = output.unknown || (output.exists ? state === output.value : state === null);
        return legal ? [true, state] : REJECT;
      }
      case 'write':
        return [true, input.value];
      case 'cas': {
        const matches = state === input.from;
        const legal = output.unknown || matches === output.ok;
        if (!legal) return REJECT;
        return [true, matches ? input.to : state];
      }
    }
  },
  hash: (s) => (s === null ? 'nil' : typeof s === 'bigint' ? String(s) : s),
  readOnly: (input, output) => input.op === 'read' || (input.op === 'cas' && !output.unknown && !output.ok),
  describeOperation(input, output) {
    const tail = output.unknown ? ' -> ?' : '';
    switch (input.op) {
      case 'read':
        return `read() -> ${output.unknown ? '?' : output.exists ? output.value : 'nil'}`;
      case 'write':
        return `write(${input.value})${tail}`;
      case 'cas':
        return `cas(${input.from}, ${input.to})${output.unknown ? tail : output.ok ? ' -> ok' : ' -> fail'}`;
    }
  },
  describeState: (s) => (s === null ? 'nil' : String(s)),
  sizeOf: () => 16,
};

function asInt(op: Op, v: unknown, what: string): EtcdInt {
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw historyError(op, `${what} must be an integer for the etcd model, got ${describeValue(v)}`);
  return v;
}

export const etcdSpec: ModelSpec<EtcdState, EtcdInput, EtcdOutput> = {
  name: 'etcd',
  description:
    "Porcupine's etcd register: one integer register, initially absent. Ops: f=read (ok value: the integer read, or null = absent), f=write (value: integer), f=cas (value: [from, to]).",
  create: () => etcdModel,
  fromHistory(invoke, completion) {
    const unknown = completion === undefined;
    const out = (o: Partial<EtcdOutput>): EtcdOutput => ({ ok: false, exists: false, value: 0, unknown, ...o });
    switch (invoke.f) {
      case 'read': {
        if (unknown) return { input: { op: 'read' }, output: out({}) };
        const v = completion.value;
        if (v === null || v === undefined) return { input: { op: 'read' }, output: out({ exists: false }) };
        return { input: { op: 'read' }, output: out({ exists: true, value: asInt(completion, v, 'a read value') }) };
      }
      case 'write':
        return { input: { op: 'write', value: asInt(invoke, invoke.value, 'a write value') }, output: out({ ok: true }) };
      case 'cas': {
        const [from, to] = expectCasPair(invoke);
        return { input: { op: 'cas', from: asInt(invoke, from, 'cas from'), to: asInt(invoke, to, 'cas to') }, output: out({ ok: true }) };
      }
      default:
        throw historyError(invoke, `f "${invoke.f}" is not an operation of the etcd model (read, write, cas)`);
    }
  },
};
