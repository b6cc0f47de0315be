#!/bin/sh
# The proof on a real kernel driver: boot a small Linux 6.12 with the mtty
# sample built in (build-kernel.sh, cached) on an initramfs holding BINARY
# (build-initramfs.sh), and let the guest (guest-test.sh) migrate mtty mdevs
# with `switchover real` under every strategy.  Passes only if the guest
# printed its PASS marker.  Host-side timeout, console log in the output
# directory.
# usage: run.sh SWITCHOVER_BINARY
# environment:
#   SWITCHOVER_VM_OUT      output directory (default ./vm-test)
#   SWITCHOVER_VM_TIMEOUT  seconds the guest may take (default 600)
#   SWITCHOVER_VM_ACCEL    kvm | tcg (default: kvm if /dev/kvm works, else tcg)
#   SWITCHOVER_VM_RUNS, SWITCHOVER_VM_REGIME_RUNS, SWITCHOVER_VM_MODE,
#   SWITCHOVER_VM_REGIMES: passed to the guest (guest-test.sh)
#   SWITCHOVER_VM_EXTRA    more binaries for the guest's /bin (space-separated)
#   SWITCHOVER_VM_CACHE, SWITCHOVER_VM_JOBS: see build-kernel.sh
set -eu

die() { echo "vm: error: $*" >&2; exit 1; }
now() { date +%s; }

[ $# = 1 ] || die "usage: run.sh SWITCHOVER_BINARY"
[ -x "$1" ] || die "$1 is not an executable (build switchover first)"
binary=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
out=${SWITCHOVER_VM_OUT:-$PWD/vm-test}
timeout_s=${SWITCHOVER_VM_TIMEOUT:-600}
command -v qemu-system-x86_64 >/dev/null ||
	die "no qemu-system-x86_64: install qemu-system-x86 (sh scripts/install-deps.sh)"
mkdir -p "$out"
log=$out/console.log
initrd=$out/initramfs.cpio.gz
rm -f "$log"

t0=$(now)
kernel=$(sh "$here/build-kernel.sh") || die "could not build the test kernel (see above)"
t1=$(now)
# shellcheck disable=SC2086
sh "$here/build-initramfs.sh" "$binary" "$initrd" ${SWITCHOVER_VM_EXTRA:-} || die "could not build the initramfs (see above)"
t2=$(now)

append="console=ttyS0 panic=-1 quiet"
for var in SWITCHOVER_VM_RUNS SWITCHOVER_VM_REGIME_RUNS SWITCHOVER_VM_MODE SWITCHOVER_VM_REGIMES; do
	eval "val=\${$var:-}"
	[ -z "$val" ] || append="$append $var=$val"
done

# boot LOG TIMEOUT ACCEL_ARGS... [-append ...]: run the guest, serial console to LOG.
boot() {
	blog=$1 bt=$2
	shift 2
	timeout --kill-after=10 "$bt" qemu-system-x86_64 -m 512M -smp 2 -nographic -no-reboot \
		-nic none -kernel "$kernel" -initrd "$initrd" "$@" </dev/null >"$blog" 2>&1
}

# KVM only if it really works here: on some hosts (nested) it fails to set
# an MSR with -cpu host or hangs in the boot loader, so a short probe boot
# decides; under a working KVM the probe takes a second or two.
accel=${SWITCHOVER_VM_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
		boot "$out/kvm-probe.log" 15 -accel kvm -cpu host -append "$append SWITCHOVER_VM_PROBE=1" &&
		grep -q '^vm-test: probe ok' "$out/kvm-probe.log"; then
		accel=kvm
	fi
fi
# TCG multi-threaded (one host thread per vCPU), so that the guest's two
# vCPUs really run at once, as the parallel strategies need.
case $accel in
kvm) accel_args="-accel kvm -cpu host" ;;
tcg) accel_args="-accel tcg,thread=multi -cpu max" ;;
*) die "SWITCHOVER_VM_ACCEL=$accel: expected kvm or tcg" ;;
esac
t3=$(now)
echo "vm: booting $kernel under $accel (timeout ${timeout_s}s), console in $log" >&2
status=0
# shellcheck disable=SC2086
boot "$log" "$timeout_s" $accel_args -append "$append" || status=$?
t4=$(now)

# The serial console ends lines with CR LF.
tr -d '\r' <"$log" >"$log.txt"
mv "$log.txt" "$log"
grep '^vm-test:' "$log" | grep -v '^vm-test:   |' || true
echo "vm: kernel $((t1 - t0))s, initramfs $((t2 - t1))s, accel probe $((t3 - t2))s, guest $((t4 - t3))s ($accel)" >&2
if grep -q '^vm-test: SWITCHOVER-VM-TEST-PASS' "$log"; then
	echo "vm: PASS" >&2
	exit 0
fi
[ "$status" != 124 ] || echo "vm: the guest did not finish within ${timeout_s}s (SWITCHOVER_VM_TIMEOUT)" >&2
[ "$status" = 0 ] || [ "$status" = 124 ] || echo "vm: qemu-system-x86_64 exited $status" >&2
echo "vm: FAIL: no PASS marker from the guest; failing checks:" >&2
grep -A 25 '^vm-test: FAIL' "$log" >&2 || echo "  (none printed: the guest did not get that far)" >&2
echo "vm: last 40 lines of $log:" >&2
tail -40 "$log" >&2
exit 1
