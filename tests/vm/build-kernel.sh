#!/bin/sh
# Build, or reuse from the cache, the Linux kernel tests/vm boots: Debian's
# linux-source-6.12 with tinyconfig + kernel.config and the mtty sample built
# in, patched with mtty-step-delay.patch.  Prints the bzImage's path on stdout
# and progress on stderr.
#
# Cache: ${SWITCHOVER_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchover/vm}/<key>/
# where <key> hashes the source package's version and size, the config
# fragment, the patch and this script: change any of them and the kernel is
# rebuilt.  The build happens in a temporary directory beside the cache entry
# and is renamed into place at the end, so an interrupted build never leaves a
# half-built entry; the source tree (~1.5 GB) is deleted afterwards.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tarball=${SWITCHOVER_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
cache=${SWITCHOVER_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchover/vm}
jobs=${SWITCHOVER_VM_JOBS:-2}
start=$(date +%s)

say() { echo "build-kernel: [$(($(date +%s) - start))s] $*" >&2; }
die() { echo "build-kernel: error: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "no kernel source at $tarball: install the Debian package linux-source-6.12 (sh scripts/install-deps.sh)"
version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
size=$(stat -c %s "$tarball")
key=$({ echo "$tarball $version $size"; cat "$here/kernel.config" "$here/mtty-step-delay.patch" "$0"; } | sha256sum | cut -c1-16)
entry=$cache/$key

if [ -f "$entry/bzImage" ]; then
	say "cached kernel $entry/bzImage"
	echo "$entry/bzImage"
	exit 0
fi

mkdir -p "$cache"
# A build killed outright (SIGKILL, power loss) cannot clean up after itself;
# no build takes hours, so a temporary directory that old is such a leftover.
find "$cache" -maxdepth 1 -name '.build-*' -mmin +180 -exec rm -rf {} +
tmp=$(mktemp -d "$cache/.build-$key.XXXXXX")
ticker=""
builder=""
cleanup() {
	[ -z "$ticker" ] || kill "$ticker" 2>/dev/null || true
	if [ -n "$builder" ]; then
		kill -TERM -- "-$builder" 2>/dev/null || true
		wait "$builder" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building kernel $key (linux-source-6.12 $version) in $tmp, -j$jobs; this takes about 5 minutes on 2 cores"
say "extracting $tarball"
tar -xJf "$tarball" -C "$tmp"
src=$(echo "$tmp"/linux-source-*)
[ -d "$src" ] || die "$tarball did not contain a linux-source-* directory"
log=$tmp/build.log

say "applying tests/vm/mtty-step-delay.patch"
patch -d "$src" -p1 -s <"$here/mtty-step-delay.patch" >>"$log" 2>&1 ||
	{ tail -20 "$log" >&2; die "mtty-step-delay.patch does not apply to linux-source-6.12 $version"; }

say "configuring: tinyconfig + kernel.config"
kmake() { make -C "$src" ARCH=x86_64 "$@" >>"$log" 2>&1; }
kmake tinyconfig || { tail -20 "$log" >&2; die "make tinyconfig failed (log above)"; }
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$here/kernel.config") >>"$log" 2>&1 ||
	{ tail -20 "$log" >&2; die "merge_config.sh failed (log above)"; }
kmake olddefconfig || { tail -20 "$log" >&2; die "make olddefconfig failed (log above)"; }
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$here/kernel.config" | while read -r opt; do
	grep -qx "$opt" "$src/.config" || printf ' %s(got: %s)' "$opt" "$(grep -E "^(# )?${opt%%=*}[= ]" "$src/.config" || echo absent)"
done)
[ -z "$missing" ] || die "kernel.config options that did not survive olddefconfig (a missing dependency?):$missing"

say "compiling bzImage (progress every 30 s; full log in $log while it runs)"
(
	trap 'kill "$nap" 2>/dev/null; exit 0' TERM
	while :; do
		sleep 30 &
		nap=$!
		wait "$nap"
		say "  ... $(grep -c '^  CC ' "$log" 2>/dev/null || echo 0) files compiled"
	done
) >/dev/null &
ticker=$!
# In its own process group, waited for in the background: a signal to this
# script then interrupts the wait at once (a shell runs its traps only
# between commands) and cleanup stops make and its compilers together.
setsid make -C "$src" ARCH=x86_64 -j"$jobs" bzImage >>"$log" 2>&1 &
builder=$!
status=0
wait "$builder" || status=$?
builder=""
if [ "$status" != 0 ]; then
	tail -40 "$log" >&2
	die "kernel build failed (log tail above)"
fi
kill "$ticker" 2>/dev/null || true
ticker=""

mkdir "$tmp/out"
cp "$src/arch/x86/boot/bzImage" "$src/.config" "$tmp/out/"
mv "$tmp/out/.config" "$tmp/out/config"
cp "$log" "$tmp/out/build.log"
# Rename into place; if a concurrent build got there first, keep its entry.
mv -T "$tmp/out" "$entry" 2>/dev/null || [ -f "$entry/bzImage" ] ||
	die "could not install the kernel into $entry"
say "built $entry/bzImage ($(stat -c %s "$entry/bzImage") bytes)"
echo "$entry/bzImage"
