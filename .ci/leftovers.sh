#!/usr/bin/env bash
# CI: after the tests, nothing of theirs may survive: no file or dir in the temp dir they were
# given (TMPDIR: every test, and every tool it runs, takes its temp dirs from os.tmpdir()), no
# process started under it, no container or network of the project. `leftovers.sh TMPDIR` lists what
# survived and fails on any of it. A temp dir of their own, not a diff of /tmp: other jobs on
# the machine come and go in /tmp.
set -euo pipefail
tmp=${1:?the tests\' TMPDIR}
bad=0
# Caches of the tools (tsx's, node's; jepsen-ts/node-image.json, jepsen-ts-cache: the docker
# image record and the FUSE helper's build) are not leftovers; a run marker in jepsen-ts/runs is.
left=$( { find "$tmp" -mindepth 1 -maxdepth 1 ! -name 'tsx-*' ! -name 'v8-compile-cache*' ! -name 'node-compile-cache' ! -name jepsen-ts ! -name jepsen-ts-cache
  find "$tmp/jepsen-ts/runs" -mindepth 1 -maxdepth 1 2>/dev/null || true; } | sort)
if [ -n "$left" ]; then echo "CI: the tests left these in their temp dir:"; printf '%s\n' "$left"; bad=1; fi
# Every process the tests started carries their TMPDIR (children inherit it): none may be left.
procs=$(for env in /proc/[0-9]*/environ; do
  if { tr '\0' '\n' <"$env"; } 2>/dev/null | grep -qxF "TMPDIR=$tmp"; then pid=${env#/proc/}; pid=${pid%/environ}; printf '%s %s\n' "$pid" "$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)"; fi
done)
if [ -n "$procs" ]; then echo "CI: the tests left these processes running:"; printf '%s\n' "$procs"; bad=1; fi
if docker info >/dev/null 2>&1; then
  things=$( { docker ps -aq --filter label=org.jepsen-ts.run; docker network ls -q --filter label=org.jepsen-ts.run; } | tr '\n' ' ')
  if [ -n "${things// /}" ]; then echo "CI: the tests left these containers/networks: $things"; bad=1; fi
fi
exit "$bad"
