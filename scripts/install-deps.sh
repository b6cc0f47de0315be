#!/bin/sh
# Install the Debian packages switchover needs to build, test and run.
# The second group builds and boots the kernel of tests/vm (make vm-test).
# Non-interactive; a no-op (no apt call) when everything is already there.
set -eu

PACKAGES="build-essential cmake pkg-config git python3
libsimgrid-dev libgsl-dev libcyaml-dev libyaml-dev libcunit1-dev libglib2.0-dev
libhdf5-dev libplot-dev plotutils python3-h5py
jupyter-nbconvert python3-ipykernel jupyter-client python3-matplotlib python3-pandas
linux-source-6.12 flex bison libelf-dev bc patch xz-utils
busybox-static cpio qemu-system-x86"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
