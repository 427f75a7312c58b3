#!/bin/sh
# bootstrap.sh - set up, build and run libxpty's main job on Debian.
#
# Installs the build dependencies that are missing (as root, with
# apt-get), configures and builds the tree, then runs the SVR4-style
# example: it opens a pty the SVR4 way (ptmx, grantpt, unlockpt, ptsname,
# I_PUSH ptem/ldterm/ttcompat), runs `tty; stty -a` on it and prints the
# transcript.  Safe to run again.
set -eu
cd "$(dirname "$0")"

need=""
for pair in autoconf:autoconf automake:automake libtoolize:libtool \
    pkg-config:pkg-config prove:perl make:make gcc:gcc spin:spin; do
	cmd=${pair%%:*}
	command -v "$cmd" >/dev/null 2>&1 || need="$need ${pair#*:}"
done
for pair in libbsd:libbsd-dev libevent:libevent-dev; do
	pkg-config --exists "${pair%%:*}" 2>/dev/null || need="$need ${pair#*:}"
done
if [ -n "$need" ]; then
	echo "bootstrap: installing:$need"
	if [ "$(id -u)" -ne 0 ]; then
		echo "bootstrap: run as root (or install:$need)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $need pkg-config >/dev/null
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"

echo
echo "== main job: an SVR4 program driving a shell on a STREAMS pty =="
./examples/svr4-shell
