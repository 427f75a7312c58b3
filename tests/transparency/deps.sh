#!/bin/sh
# deps.sh - install the programs the transparency tests drive (Debian/Ubuntu):
# python3 with CPython's test package, Perl IO::Pty, expect, tmux and
# util-linux's script.  Runs apt-get only as root and only for packages that
# are missing; elsewhere it says what to install and succeeds (the tests
# skip what is absent).  Called by .ci/run before `make check`.
set -eu

pkgs="python3 libio-pty-perl expect tmux util-linux"

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			printf '%s ' "$p"
	done
}

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: no apt-get/dpkg here; install: $pkgs and CPython's test package" >&2
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: not root; to run every transparency test install: $pkgs libpython3.X-testsuite" >&2
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
updated=0
install() {
	[ -n "$*" ] || return 0
	echo "deps.sh: installing: $*"
	if [ $updated = 0 ]; then
		apt-get update -qq
		updated=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# shellcheck disable=SC2046
install $(missing $pkgs)
# CPython's own tests, for the python3 the tests use (/usr/bin/python3)
suite=$(/usr/bin/python3 -c 'import sys; print("libpython%d.%d-testsuite" % sys.version_info[:2])')
# shellcheck disable=SC2046
install $(missing "$suite")
exit 0
