#!/bin/sh
# The init process of a User-mode Linux guest (Debian's user-mode-linux kernel, which has
# sch_netem, unlike this project's CI kernel) booted by test/docker/netem-kernel.test.ts.
# The root filesystem is the host's, read-only through hostfs, so the host's tc, ip, ping and
# insmod run here against the guest kernel. It builds a private network that exists only inside
# the guest (the guest has no device to the outside: checked below):
#   root namespace (the "node"):  eth0 10.213.0.10/24   (the interface name docker-rules.ts uses)
#   namespace "peers":            peer0 10.213.0.11, .12, .13
# joined by a veth pair, then runs the plan file named by JT_PLAN (kernel command-line
# variables reach init's environment). The plan calls `apply PHASE` with tc commands on stdin
# and `probe PHASE ADDRESS COUNT INTERVAL`; results are lines starting with "@@" on the
# console for the test to parse. It always powers off, so the UML process exits.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

setup() {
  mount -t proc proc /proc && mount -t sysfs sys /sys && mount -t tmpfs tmpfs /run || return 1
  # The guest must reach nothing but itself: no interface but lo before we add the veth pair.
  extra=$(ls /sys/class/net | grep -vx lo)
  if [ -n "$extra" ]; then echo "@@error the guest has a network interface besides lo: $extra"; return 1; fi
  mods=/usr/lib/uml/modules/$(uname -r)/kernel
  for m in net/sched/sch_netem net/sched/sch_htb net/sched/cls_u32 drivers/net/veth; do
    insmod "$mods/$m.ko" || { echo "@@error cannot load $mods/$m.ko"; return 1; }
  done
  ip link set lo up &&
    ip netns add peers &&
    ip link add eth0 type veth peer name peer0 netns peers &&
    ip addr add 10.213.0.10/24 dev eth0 &&
    ip link set eth0 up &&
    ip -n peers link set lo up &&
    ip -n peers addr add 10.213.0.11/24 dev peer0 &&
    ip -n peers addr add 10.213.0.12/24 dev peer0 &&
    ip -n peers addr add 10.213.0.13/24 dev peer0 &&
    ip -n peers link set peer0 up || { echo "@@error network setup failed"; return 1; }
  # Resolve the peers' MAC address now, so no probe pays for ARP.
  ping -q -n -c 1 -W 2 10.213.0.11 >/dev/null || { echo "@@error the veth pair does not answer"; return 1; }
  echo "@@ready $(uname -r)"
}

# apply PHASE: run the tc commands on stdin as the docker runtime does (one `sh` with set -e),
# then show the qdiscs in force (diagnostics for a failing test).
apply() {
  if sh -e; then echo "@@applied $1"; else echo "@@apply-failed $1 rc=$?"; fi
  tc qdisc show dev eth0 | sed "s/^/@@qdisc $1 /"
}

# probe PHASE ADDRESS COUNT INTERVAL: ICMP echo from eth0's side; one "@@reply PHASE ADDRESS
# SEQ RTT_MS" line per reply (duplicates included: the test counts distinct sequence numbers),
# then "@@sent PHASE ADDRESS COUNT".
probe() {
  ping -n -c "$3" -i "$4" -W 2 "$2" 2>&1 | sed -n \
    -e "s/^.*icmp_seq=\([0-9]*\) .*time=\([0-9.]*\) ms.*$/@@reply $1 $2 \1 \2/p" \
    -e "s/^\([0-9]*\) packets transmitted.*$/@@sent $1 $2 \1/p"
}

if setup; then
  if [ -r "$JT_PLAN" ]; then . "$JT_PLAN"; else echo "@@error no readable plan file JT_PLAN=$JT_PLAN"; fi
fi
echo "@@done"
poweroff -f
