/**
 * The model registry: every model by name, for the CLI (`--model NAME`) and workloads.
 */
import { UsageError } from '../../../ground/runtime.js';
import type { Model } from '../types.js';
import { bankModelSpec } from './bank.js';
import { etcdSpec } from './etcd.js';
import { porcupineKvSpec } from './porcupine-kv.js';
import { casRegisterModelSpec, kvModelSpec, registerModelSpec } from './register.js';
import { setModelSpec } from './set.js';
import type { ModelOptions, ModelSpec } from './spec.js';

const SPECS: readonly ModelSpec[] = [registerModelSpec, casRegisterModelSpec, kvModelSpec, etcdSpec, porcupineKvSpec, setModelSpec, bankModelSpec];

/** The linearizability models by name (register, cas-register, kv, etcd, set, bank, ...). */
export const modelNames: readonly string[] = SPECS.map((s) => s.name);

/** Throws a UsageError naming the known models when `name` is not one. */
export function getModelSpec(name: string): ModelSpec {
  const spec = SPECS.find((s) => s.name === name);
  if (!spec) throw new UsageError(`unknown model "${name}" (known: ${modelNames.join(', ')})`);
  return spec;
}

/** The model `name` (see modelNames), for the search functions; throws for an unknown name. */
export function getModel(name: string, options?: ModelOptions): Model {
  return getModelSpec(name).create(options);
}
