#!/bin/sh
# cross-build.sh - cross-build libxpty, the xpty wrapper and xptyd for
# FreeBSD 14, NetBSD 10 and macOS from a Linux machine, with zig cc (the
# PyPI package ziglang: its libc headers and link stubs for those
# systems) and a libevent built for each target from Debian's libevent
# source package with the same compiler.  It builds; it runs nothing:
# no BSD or macOS machine runs here (docs/porting.md says how to run the
# suite on one).
#
# usage: build-aux/cross-build.sh [-k] [-t TARBALL] [TARGET[:PARTS] ...]
#   TARGET   freebsd, netbsd, macos (default: all three)
#   PARTS    what to build for it, comma-separated, of lib (libxpty),
#            src (the xpty wrapper), daemon (xptyd); default all three;
#            host: only the host backend's objects (configure's
#            XPTY_HOST_FILES, lib/host.h), which build before the rest
#            of the library does; "none" stops after configure (and
#            libevent)
#   -t FILE  build from this distribution tarball (default: from the
#            source tree this script is in, which must then not be
#            configured in place, or from `make dist` of it if it is)
#   -k       keep the build directories (they are printed)
# Environment: ZIG (default "python3 -m ziglang"), XPTY_CROSS_CACHE
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/xpty-cross), LIBEVENT_DSC (a
# libevent .dsc to use instead of asking apt for Debian's).
#
# Everything is warning-free or fails: the project's own -Wall -Wextra
# (configure's WARN_CFLAGS) with -Werror added at make time.
#
# State: the cache holds, per target, the compiler wrappers (bin/), the
# installed libevent (libevent-VERSION-zigVERSION/: static libevent_core
# and libevent_pthreads, headers, .pc files) and configure's cache file
# (keyed by a hash of configure and the zig version); and, shared, the
# downloaded libevent source (src/).  A change of libevent's Debian
# version or of zig makes a new directory; old ones can be deleted.
# Build directories are made under ${TMPDIR:-/tmp} and removed unless -k.
set -eu

ZIG=${ZIG:-python3 -m ziglang}
CACHE=${XPTY_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xpty-cross}
here=$(cd "$(dirname "$0")/.." && pwd)
tarball=
keep=

die() {
	echo "cross-build: $*" >&2
	exit 1
}

log() {
	echo "cross-build: $*"
}

# target name -> zig's target and autoconf's host triplet
zig_target() {
	case $1 in
	freebsd)	echo x86_64-freebsd ;;
	netbsd)		echo x86_64-netbsd ;;
	macos)		echo x86_64-macos ;;
	*)		die "unknown target $1 (freebsd, netbsd, macos)" ;;
	esac
}

host_triplet() {
	case $1 in
	freebsd)	echo x86_64-unknown-freebsd14.0 ;;
	netbsd)		echo x86_64-unknown-netbsd10.0 ;;
	macos)		echo x86_64-apple-darwin ;;
	esac
}

# zig cc, ar and ranlib as plain commands (libtool and configure want
# one word for CC).
make_wrappers() {
	bin=$1 zt=$2
	mkdir -p "$bin"
	printf '#!/bin/sh\nexec %s cc -target %s "$@"\n' "$ZIG" "$zt" \
	    >"$bin/cc"
	printf '#!/bin/sh\nexec %s ar "$@"\n' "$ZIG" >"$bin/ar"
	printf '#!/bin/sh\nexec %s ranlib "$@"\n' "$ZIG" >"$bin/ranlib"
	chmod +x "$bin/cc" "$bin/ar" "$bin/ranlib"
}

check_zig() {
	zv=$($ZIG version 2>/dev/null) ||
	    die "no zig: pip install ziglang (0.14 or newer), or set ZIG"
	case $zv in
	0.[0-9].*|0.1[0-3].*)
		die "zig $zv is too old (0.14 or newer has FreeBSD/NetBSD libc)" ;;
	esac
	log "zig $zv"
}

# Debian's libevent source, through apt with a private sources list:
# deb-src lines made from this system's own deb entries, private lists
# and cache directories, so the system's apt state is left as it was.
fetch_libevent() {
	src=$CACHE/src
	if [ -n "${LIBEVENT_DSC:-}" ]; then
		dsc=$LIBEVENT_DSC
		return
	fi
	dsc=$(ls "$src"/libevent_*.dsc 2>/dev/null | tail -n 1)
	[ -n "$dsc" ] && return
	command -v apt-get >/dev/null || die "no apt-get: set LIBEVENT_DSC"
	apt=$src/apt
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" \
	    "$apt/parts"
	: >"$apt/sources.list"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' \
		    /etc/apt/sources.list >>"$apt/sources.list"
	fi
	for f in /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
		    >>"$apt/sources.list"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" \
		    >"$apt/parts/${f##*/}"
	done
	set -- -o Dir::Etc::SourceList="$apt/sources.list" \
	    -o Dir::Etc::SourceParts="$apt/parts" \
	    -o Dir::State::Lists="$apt/lists" \
	    -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root
	# a third-party repository without sources fails here: only
	# libevent's own download below must succeed
	apt-get "$@" -qq update >/dev/null 2>&1 || true
	(cd "$src" && apt-get "$@" -qq source --download-only libevent \
	    >/dev/null) || die "apt-get source libevent failed"
	dsc=$(ls "$src"/libevent_*.dsc 2>/dev/null | tail -n 1)
	[ -n "$dsc" ] || die "no libevent .dsc downloaded"
}

# libevent_core and libevent_pthreads, static, for one target.  Only
# the core is needed (the daemon uses event.h alone), so the rest of
# libevent is not built.  arc4random_addrandom: the zig stubs export it
# where the headers (FreeBSD 14) no longer declare it; Debian's patch
# makes evutil_secure_rng_add_bytes a no-op without it.
build_libevent() {
	t=$1 zt=$2 h=$3 bin=$4
	ver=$(sed -n 's/^Version: //p' "$dsc")
	levdir=$CACHE/$t/libevent-$ver-zig$zv
	[ -f "$levdir/.done" ] && return
	log "$t: building libevent $ver (once; cached in $levdir)"
	work=$(mktemp -d "${TMPDIR:-/tmp}/xpty-levent.XXXXXX")
	dpkg-source -x "$dsc" "$work/src" >/dev/null 2>&1 ||
	    die "dpkg-source -x $dsc failed"
	# Debian's patches touch Makefile.am, as its rules regenerate
	(cd "$work/src" && autoreconf -fi >/dev/null 2>&1) ||
	    die "autoreconf of libevent failed"
	mkdir "$work/b"
	(cd "$work/b" && "$work/src/configure" -q --host="$h" \
	    CC="$bin/cc" AR="$bin/ar" RANLIB="$bin/ranlib" \
	    --prefix="$levdir" --disable-shared --enable-static \
	    --disable-openssl --disable-samples --disable-libevent-regress \
	    --disable-debug-mode --disable-doxygen-html \
	    ac_cv_func_arc4random_addrandom=no >"$work/log" 2>&1 &&
	    make include/event2/event-config.h >>"$work/log" 2>&1 &&
	    make -j2 install-libLTLIBRARIES \
	    install-nodist_include_event2HEADERS \
	    install-include_event2HEADERS install-pkgconfigDATA \
	    lib_LTLIBRARIES='libevent_core.la libevent_pthreads.la' \
	    LIBEVENT_PKGCONFIG='libevent_core.pc libevent_pthreads.pc' \
	    >>"$work/log" 2>&1) || {
		tail -40 "$work/log" >&2
		die "$t: libevent build failed"
	}
	touch "$levdir/.done"
	rm -rf "$work"
}

# The source tree to configure: a tarball, this tree if it is not
# configured in place, else a `make dist` of it.
prepare_source() {
	if [ -z "$tarball" ] && [ -f "$here/config.status" ]; then
		log "source tree configured in place: make dist"
		make -C "$here" dist >/dev/null
		tarball=$(ls -t "$here"/libxpty-*.tar.gz | head -n 1)
	fi
	if [ -n "$tarball" ]; then
		mkdir "$top/src"
		tar -xzf "$tarball" -C "$top/src"
		srcdir=$(echo "$top"/src/libxpty-*)
	else
		[ -x "$here/configure" ] ||
		    (cd "$here" && autoreconf -fi >/dev/null 2>&1)
		srcdir=$here
	fi
}

build_target() {
	t=${1%%:*}
	parts="lib src daemon"
	case $1 in
	*:*)	parts=$(echo "${1#*:}" | tr , ' ') ;;
	esac
	zt=$(zig_target "$t")
	h=$(host_triplet "$t")
	bin=$CACHE/$t/bin
	make_wrappers "$bin" "$zt"
	build_libevent "$t" "$zt" "$h" "$bin"
	b=$top/$t
	mkdir -p "$b"	# a target named twice (freebsd:lib freebsd:daemon) builds in one
	ccache=$CACHE/$t/config.cache-$(cat "$srcdir/configure" |
	    cksum | cut -d' ' -f1)-zig$zv
	start=$(date +%s)
	(cd "$b" && "$srcdir/configure" -q --host="$h" \
	    --cache-file="$ccache" CC="$bin/cc" AR="$bin/ar" \
	    RANLIB="$bin/ranlib" PKG_CONFIG=pkg-config \
	    PKG_CONFIG_LIBDIR="$levdir/lib/pkgconfig" PKG_CONFIG_PATH= \
	    >"$b/configure.out" 2>&1) || {
		tail -40 "$b/configure.out" >&2
		tail -60 "$b/config.log" >&2
		die "$t: configure failed (build directory $b)"
	}
	for p in $parts; do
		case $p in
		none)	continue ;;
		lib)	goal=libxpty.la ;;
		host)	goal=$(sed -n 's/^XPTY_HOST_FILES = //p' \
			    "$b/lib/Makefile" | sed 's/\.c/.lo/g')
			p=lib ;;
		src)	goal=xpty ;;
		daemon)	goal=xptyd ;;
		*)	die "unknown part $p (lib, host, src, daemon)" ;;
		esac
		# shellcheck disable=SC2086
		if ! make -C "$b/$p" -j2 CFLAGS="-O2 -Werror" $goal \
		    >"$b/$p.out" 2>&1; then
			grep -E 'error|warning' "$b/$p.out" | head -40 >&2
			die "$t: $p failed (log $b/$p.out)"
		fi
	done
	log "$t: built [$parts] in $(( $(date +%s) - start )) s"
}

while getopts kt: opt; do
	case $opt in
	k)	keep=1 ;;
	t)	tarball=$(cd "$(dirname "$OPTARG")" && pwd)/${OPTARG##*/} ;;
	*)	sed -n '10,21s/^# //p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- freebsd netbsd macos
for t; do zig_target "${t%%:*}" >/dev/null; done

check_zig
mkdir -p "$CACHE"
fetch_libevent
top=$(mktemp -d "${TMPDIR:-/tmp}/xpty-cross.XXXXXX")
if [ -z "$keep" ]; then
	trap 'rm -rf "$top"' EXIT
fi
prepare_source
for t; do
	build_target "$t"
done
[ -n "$keep" ] && log "build directories kept in $top"
exit 0
