#!/bin/sh
# ci-fresh.sh [--load] [--no-kernel-cache] [DIR]: run .ci/run as CI does, on
# a fresh clone of this repository's HEAD in DIR (default: a new temporary
# directory), and print one line: the revision, the conditions, the exit
# status and the wall time.  The clone and its log (DIR/ci.log) are kept.
#   --load             with `stress-ng --cpu 2` running beside it the whole
#                      time (Debian's stress-ng; not installed by install-deps)
#   --no-kernel-cache  with an empty cache for the VM test's kernel
#                      (SWITCHOVER_VM_CACHE pointed at a new directory), so
#                      the kernel is built as on a new machine
# docs/testing.md records what these runs measured.
set -eu

usage() { sed -n '2,12s/^# \{0,1\}//p' "$0"; }
load="" nocache="" dir=""
for a in "$@"; do
	case $a in
	--load) load=1 ;;
	--no-kernel-cache) nocache=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "ci-fresh: unknown option $a" >&2; usage >&2; exit 2 ;;
	*) dir=$a ;;
	esac
done
if [ -n "$load" ] && ! command -v stress-ng >/dev/null; then
	echo "ci-fresh: --load needs stress-ng (apt-get install stress-ng)" >&2
	exit 2
fi
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
[ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/switchover-ci.XXXXXX")
[ ! -e "$dir/.git" ] || { echo "ci-fresh: $dir already holds a clone" >&2; exit 2; }
git clone -q "$top" "$dir"
rev=$(git -C "$dir" rev-parse --short HEAD)
if [ -n "$nocache" ]; then
	SWITCHOVER_VM_CACHE=$dir/.kernel-cache
	export SWITCHOVER_VM_CACHE
fi
stress=""
if [ -n "$load" ]; then
	stress-ng --cpu 2 --timeout 2h --quiet &
	stress=$!
	trap 'kill "$stress" 2>/dev/null || true' EXIT INT TERM
fi
t0=$(date +%s)
status=0
(cd "$dir" && CI=true bash .ci/run) >"$dir/ci.log" 2>&1 </dev/null || status=$?
t1=$(date +%s)
[ -z "$stress" ] || kill "$stress" 2>/dev/null || true
wall=$((t1 - t0))
load_text=none cache_text=kept
[ -z "$load" ] || load_text="stress-ng --cpu 2"
[ -z "$nocache" ] || cache_text=empty
echo "ci-fresh: $rev load=$load_text kernel-cache=$cache_text" \
	"exit $status, $((wall / 60)) min $((wall % 60)) s, log $dir/ci.log"
exit "$status"
