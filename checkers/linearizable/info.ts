/**
 * Builds the verbose `LinearizationInfo` of one partition from where its search stopped: the
 * partition's operations (for drawing), the longest linearizable prefix replayed through the
 * model (states before/after each op), and the candidates that could not go next.
 */
import type { PartitionHistory } from './partition.js';
import type { Deepest } from './search.js';
import type { CheckVerdict, LinearizationInfo, LinearizationStep, Model, OperationView, UnplacedOp } from './types.js';

const defaultDescribe = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

export function buildInfo<S, I, O>(model: Model<S, I, O>, history: PartitionHistory<I, O>, result: CheckVerdict, deepest: Deepest | undefined): LinearizationInfo {
  const describeState = (s: S) => (model.describeState ? model.describeState(s) : defaultDescribe(s));
  const describeOp = (i: I, o: O) => (model.describeOperation ? model.describeOperation(i, o) : `${defaultDescribe(i)} -> ${defaultDescribe(o)}`);
  const callIndex = new Array<number>(history.ops.length);
  const returnIndex = new Array<number>(history.ops.length);
  history.order.forEach((e, k) => {
    if (e & 1) returnIndex[e >> 1] = k;
    else callIndex[e >> 1] = k;
  });
  const operations: OperationView[] = history.ops.map((op, id) => ({
    id,
    clientId: op.clientId,
    callIndex: callIndex[id],
    returnIndex: returnIndex[id],
    ...(op.call !== undefined ? { call: op.call, return: op.return } : {}),
    description: describeOp(op.input, op.output),
    ...(op.meta !== undefined ? { meta: op.meta } : {}),
  }));

  let state = model.init();
  const initialState = describeState(state);
  const prefix: LinearizationStep[] = [];
  for (const id of deepest?.prefix ?? []) {
    const op = history.ops[id];
    const [ok, next] = model.step(state, op.input, op.output);
    if (!ok) throw new Error(`internal: the recorded linearization is rejected by the model at op ${id}`);
    prefix.push({ op: id, stateBefore: describeState(state), stateAfter: describeState(next) });
    state = next;
  }
  const unplaced: UnplacedOp[] = (deepest?.candidates ?? []).map((id) => {
    const op = history.ops[id];
    const [ok, next] = model.step(state, op.input, op.output);
    return { op: id, stateBefore: describeState(state), modelAccepts: ok, ...(ok ? { stateAfter: describeState(next) } : {}) };
  });
  return {
    result,
    ...(history.key !== undefined ? { key: history.key } : {}),
    initialState,
    operations,
    prefix,
    unplaced,
    ...(deepest?.blocking !== undefined ? { blocking: deepest.blocking } : {}),
  };
}
