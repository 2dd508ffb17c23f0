/**
 * The parts of undici the workload clients use (Client and its error classes), loaded once, on
 * first use. Not undici's index: besides Client it loads fetch, cookies, mocks and cache stores,
 * and its cookies module reads globalThis.Headers, which makes Node load its own bundled copy
 * of undici as well: ~0.1 s more CPU in the harness while five nodes boot on the same cores
 * (bench:startup). The clients use only Client's own `dispatch`, so nothing needs wiring. The
 * parts are internal paths of the package (it has no "exports" map, so Node resolves them):
 * should an undici release move them, the whole package is loaded instead, and
 * `undiciLoadedFrom` says so (workloads/clients.test.ts fails on it).
 */
type Undici = typeof import('undici');

/** What the clients need of undici. */
export interface UndiciParts {
  Client: Undici['Client'];
  errors: Undici['errors'];
}

/** Which way undici was loaded ('parts' is the fast one), null before the first load. */
export let undiciLoadedFrom: 'parts' | 'index' | null = null;

let loading: Promise<UndiciParts> | undefined;

export function loadUndici(): Promise<UndiciParts> {
  loading ??= loadParts().then(
    (parts) => ((undiciLoadedFrom = 'parts'), parts),
    async () => {
      const { Client, errors } = await import('undici');
      undiciLoadedFrom = 'index';
      return { Client, errors };
    },
  );
  return loading;
}

/** A CommonJS module's exports, imported by a path the type checker cannot see into. */
const cjs = async (path: string): Promise<any> => ((await import(path)) as { default: unknown }).default;

async function loadParts(): Promise<UndiciParts> {
  const [Client, errors] = await Promise.all([cjs('undici/lib/dispatcher/client.js'), cjs('undici/lib/core/errors.js')]);
  const shaped = typeof Client === 'function' && typeof Client.prototype.dispatch === 'function' && typeof errors?.HeadersTimeoutError === 'function' && typeof errors?.BodyTimeoutError === 'function';
  if (!shaped) throw new Error('undici parts are not where they used to be');
  return { Client, errors };
}
