#!/usr/bin/env bash
# Builds the node image's offline base where no container registry can be reached:
# Debian bookworm (debootstrap minbase, from Debian's mirror) with iptables, iproute2 and
# libfaketime, plus this machine's own Node binary, imported with `docker import`.
# Users with a registry don't need this: docker/Dockerfile takes any Node 20 Debian base.
#   usage: docker/build-base.sh [TAG]     (prints the tag; a no-op when the tag exists)
set -euo pipefail

node_bin=$(command -v node)
node_version=$("$node_bin" -p 'process.versions.node')
tag=${1:-jepsen-ts-base:bookworm-node${node_version}}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "build-base: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

work=$(mktemp -d /tmp/jepsen-ts-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase --include=iptables,iproute2,libfaketime,procps bookworm "$work/rootfs" "$mirror" >&2
install -m 755 "$node_bin" "$work/rootfs/usr/local/bin/node"
chroot "$work/rootfs" apt-get clean
rm -rf "$work/rootfs/var/lib/apt/lists/"*
tar -C "$work/rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'LABEL org.jepsen-ts.base=offline' - "$tag" >/dev/null
echo "$tag"
