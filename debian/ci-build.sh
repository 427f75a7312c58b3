#!/bin/sh
# debian/ci-build.sh - build the Debian packages in a throw-away copy of
# the tree, check them with lintian (error level), install them, run
# debian/tests/smoke, purge them and check that nothing is left.
#
# usage: debian/ci-build.sh [--no-install]
#
#   --no-install   build and lintian only (no root needed).
#
# Environment:
#   XPTY_CI_TIMEOUT   seconds allowed for the whole job (default 900);
#                     the package build gets what is left after setup.
#   XPTY_CI_KEEP=1    keep the temporary directory (path printed).
#   XPTY_CI_REPLACE=1 allow replacing and purging libxpty packages that
#                     were already installed (refused otherwise).
#   DEB_BUILD_OPTIONS passed through (e.g. parallel=4; nocheck skips
#                     make check, which the package build runs by
#                     default).
#
# The source tree is never written to: the copy is made from the files
# git knows about (tracked plus untracked-but-not-ignored, so uncommitted
# edits are included and build outputs are not), or from a plain copy
# when the tree is not a git checkout.  Exit status 0 only if every step
# passed; 124 if the time bound was hit.
set -eu

install=1
for a in "$@"; do
	case $a in
	--no-install) install=0 ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "ci-build: unknown argument: $a" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
limit=${XPTY_CI_TIMEOUT:-900}
start=$(date +%s)
pkgs="libxpty0 libxpty-dev xpty"

say() { printf 'ci-build: %s\n' "$*"; }
die() { printf 'ci-build: FAIL: %s\n' "$*" >&2; exit 1; }
left() {
	l=$((limit - ($(date +%s) - start)))
	[ $l -gt 0 ] || { say "time bound of ${limit}s reached" >&2; exit 124; }
	echo $l
}
# run SECONDS-LEFT-BOUNDED command...
bounded() {
	t=$(left)
	rc=0
	timeout --kill-after=10 "$t" "$@" || rc=$?
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || { say "time bound of ${limit}s reached in: $*"; exit 124; }
	return $rc
}
elapsed() { echo $(($(date +%s) - start)); }

# ---- build dependencies ----
need="build-essential devscripts debhelper dh-autoreconf lintian libbsd-dev libevent-dev pkg-config"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing build tools:$missing (install them as root)"
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	bounded apt-get update -qq
	# shellcheck disable=SC2086
	bounded apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# ---- a copy of the tree ----
work=$(mktemp -d "${TMPDIR:-/tmp}/xpty-deb.XXXXXX")
cleanup() {
	if [ "${XPTY_CI_KEEP:-0}" = 1 ]; then
		say "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
src=$work/libxpty
mkdir "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -c -o --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh |
	    tar --null -T - -cf -) | tar -xf - -C "$src"
	say "copied $(cd "$top" && git describe --always --dirty 2>/dev/null) to $src"
else
	(cd "$top" && tar -cf - .) | tar -xf - -C "$src"
	say "copied $top to $src (not a git checkout)"
fi

# ---- build ----
say "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
t0=$(date +%s)
rc=0
(cd "$src" && bounded dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	tail -n 150 "$work/build.log"
	XPTY_CI_KEEP=1
	[ $rc -ne 124 ] || { say "time bound of ${limit}s reached during the build"; exit 124; }
	die "package build failed (log kept: $work/build.log)"
fi
say "built in $(($(date +%s) - t0))s: $(cd "$work" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')"
changes=$(ls "$work"/*.changes)

# ---- lintian ----
say "lintian --fail-on error"
if ! bounded lintian --fail-on error "$changes" >"$work/lintian.log" 2>&1; then
	cat "$work/lintian.log"
	die "lintian reported errors"
fi
grep -v 'root privileges' "$work/lintian.log" | sed 's/^/ci-build: lintian: /' || true
say "lintian: no errors"

if [ $install -eq 0 ]; then
	say "done in $(elapsed)s (build and lintian only)"
	exit 0
fi

# ---- install, smoke test, purge ----
[ "$(id -u)" -eq 0 ] || die "installing needs root (or use --no-install)"
pre=$(dpkg-query -W -f='${Package} ${Status}\n' $pkgs 2>/dev/null |
    awk '$NF == "installed" { print $1 }' | tr '\n' ' ')
if [ -n "$pre" ] && [ "${XPTY_CI_REPLACE:-0}" != 1 ]; then
	die "already installed: $pre(set XPTY_CI_REPLACE=1 to replace and purge them)"
fi
debs=$(for p in $pkgs; do ls "$work/${p}_"*.deb; done)
# shellcheck disable=SC2086
bounded dpkg -i $debs >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; die "dpkg -i failed"; }
say "installed: $pkgs"

rc=0
bounded env AUTOPKGTEST_TMP= "$src/debian/tests/smoke" >"$work/smoke.log" 2>&1 || rc=$?
sed 's/^/ci-build: smoke: /' "$work/smoke.log"

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# shellcheck disable=SC2086
bounded apt-get purge -y -qq $pkgs >"$work/purge.log" 2>&1 ||
    { cat "$work/purge.log"; die "purge failed"; }
leftover=""
for p in $pkgs; do
	dpkg -L "$p" >/dev/null 2>&1 && leftover="$leftover dpkg-L:$p"
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed' &&
	    leftover="$leftover status:$p"
done
for f in /usr/include/xpty /usr/include/xpty.h /usr/lib/"$ma"/libxpty* \
    /usr/lib/"$ma"/pkgconfig/xpty.pc /usr/bin/xpty /usr/libexec/xptyd \
    /usr/share/doc/libxpty0 /usr/share/doc/libxpty-dev /usr/share/doc/xpty \
    /usr/share/man/man1/xpty.1.gz /usr/share/man/man7/xpty.7.gz \
    /usr/share/man/man3/xpty.3.gz /usr/lib/systemd/user/xptyd.*; do
	[ -e "$f" ] || [ -L "$f" ] && leftover="$leftover $f"
done
[ -z "$leftover" ] || die "left after purge:$leftover"
say "purged; nothing left"

[ $rc -eq 0 ] || die "smoke test failed"
say "done in $(elapsed)s"
