/**
 * One etcd3 (npm) client bound to ONE member, with every retry and failover policy off: a
 * harness op is one attempt on the member its thread was given, so its outcome belongs to that
 * member and that attempt (etcd3's defaults retry recoverable errors 3 times across hosts and
 * open circuit breakers, which would hide faults and turn one op into several proposals).
 *
 * etcd3 pulls in @grpc/grpc-js and protobufjs and parses etcd's protos (1.9 s measured on the
 * loaded 2-core machine): loaded lazily, starting when the first client object is made (the
 * harness makes them before the members boot, so the two overlap), never by a mere import.
 */
import type { Etcd3 } from 'etcd3';

type Etcd3Module = typeof import('etcd3');
type Cockatiel = typeof import('cockatiel');
let loaded: Promise<[Etcd3Module, Cockatiel]> | undefined;
const load = () => (loaded ??= Promise.all([import('etcd3'), import('cockatiel')]));

/** Starts loading etcd3 in the background (a failure surfaces at the first connectEtcd). */
export function preloadEtcd(): void {
  load().catch(() => {});
}

/**
 * An etcd3 client for the member at `clientUrl` (http://host:port); every call gets a deadline
 * of `timeoutMs`. Reconnects after a refused connection are quick (100 ms .. 1 s back-off, not
 * gRPC's default 1 s .. 120 s), since members are killed and restarted every few seconds.
 */
export async function connectEtcd(clientUrl: string, timeoutMs: number): Promise<Etcd3> {
  const [{ Etcd3 }, { noop }] = await load();
  return new Etcd3({
    hosts: clientUrl,
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: () => ({ deadline: Date.now() + timeoutMs }),
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.min_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
  });
}

/** Runs `fn` with a fresh client of `clientUrl`, closed afterwards. */
export async function withEtcd<T>(clientUrl: string, timeoutMs: number, fn: (etcd: Etcd3) => Promise<T>): Promise<T> {
  const etcd = await connectEtcd(clientUrl, timeoutMs);
  try {
    return await fn(etcd);
  } finally {
    etcd.close();
  }
}
