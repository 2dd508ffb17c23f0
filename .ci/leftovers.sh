#!/usr/bin/env bash
# CI: after the tests, nothing of theirs may survive: no temp dir they made, no node process,
# no container or network of the project. `leftovers.sh snapshot FILE` records /tmp before the
# tests; `leftovers.sh check FILE` lists what is new since and fails on any of it.
set -euo pipefail
mode=${1:?snapshot|check}
snap=${2:?snapshot file}
# Caches of the tools themselves (tsx's compile cache, the port reservations' dir), not leftovers.
list_tmp() { find /tmp -mindepth 1 -maxdepth 1 ! -name 'tsx-*' ! -name 'jepsen-ts-ports' ! -name 'v8-compile-cache*' ! -name 'node-compile-cache' ! -path "$snap" | sort; }
if [ "$mode" = snapshot ]; then list_tmp >"$snap"; exit 0; fi

bad=0
new_tmp=$(comm -13 "$snap" <(list_tmp) || true)
if [ -n "$new_tmp" ]; then echo "CI: the tests left these in /tmp:"; printf '%s\n' "$new_tmp"; bad=1; fi
procs=$(pgrep -af 'paxos/main\.js|etcd --name|faultfs' | grep -v pgrep || true)
if [ -n "$procs" ]; then echo "CI: the tests left these processes running:"; printf '%s\n' "$procs"; bad=1; fi
if docker info >/dev/null 2>&1; then
  things=$( { docker ps -aq --filter label=org.jepsen-ts.run; docker network ls -q --filter label=org.jepsen-ts.run; } | tr '\n' ' ')
  if [ -n "${things// /}" ]; then echo "CI: the tests left these containers/networks: $things"; bad=1; fi
fi
exit "$bad"
