#!/bin/sh
# Make the tests/vm guest's initramfs: busybox (static) with its applet
# links, the switchover binary with the shared libraries ldd lists and the
# dynamic loader (the profiles are built into it), guest-test.sh as /init,
# and the scenarios under /vm.  Each EXTRA binary (tests/vm/calibrate.sh
# passes the benchmarks bench_threads and bench_host) goes to /bin under its
# own name, with its libraries.
# usage: build-initramfs.sh SWITCHOVER_BINARY OUTPUT.cpio.gz [EXTRA...]
set -eu

die() { echo "build-initramfs: error: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: build-initramfs.sh SWITCHOVER_BINARY OUTPUT.cpio.gz [EXTRA...]"
binary=$1
output=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

[ -x "$binary" ] || die "$binary is not an executable (build switchover first)"
busybox=$(command -v busybox) || die "no busybox: install busybox-static (sh scripts/install-deps.sh)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked: install busybox-static, not busybox"
command -v cpio >/dev/null || die "no cpio: install cpio (sh scripts/install-deps.sh)"

root=$(mktemp -d)
trap 'rm -rf "$root" "$output.tmp"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/vm"

cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$root/$applet" ] && continue
	mkdir -p "$root/$(dirname "$applet")"
	ln -s /bin/busybox "$root/$applet"
done

# A binary (copied to /bin/NAME) and, at the paths ldd resolved them to, its
# libraries and the loader named in its PT_INTERP.  Sets libs to ldd's list.
add_binary() {
	[ -x "$1" ] || die "$1 is not an executable"
	cp "$1" "$root/bin/$2"
	libs=$(ldd "$1") || die "ldd $1 failed"
	echo "$libs" | grep -q 'not found' && die "$1 has unresolved libraries:
$(echo "$libs" | grep 'not found')"
	for lib in $(echo "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}
for extra in "$@"; do
	add_binary "$extra" "$(basename "$extra")"
done
add_binary "$binary" switchover

cp "$here/guest-test.sh" "$root/init"
chmod 755 "$root/init"
cp "$here/mtty.yaml" "$repo/scenarios/null.yaml" "$root/vm/"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -4 >"$output.tmp"
mv "$output.tmp" "$output"
echo "build-initramfs: $output ($(($(stat -c %s "$output") / 1024)) KiB, $(echo "$libs" | wc -l) libraries)" >&2
