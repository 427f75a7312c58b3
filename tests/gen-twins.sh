#!/bin/sh
# gen-twins.sh NAME... - print the automake lines that build each test
# four times: t_NAME linked with libxpty, p_NAME unlinked and run
# preloaded (both in the relay engine), d_NAME preloaded in the direct
# engine (no relay daemon), l_NAME preloaded in the lease engine
# (XPTY_ENGINE=lease, docs/lease.md).
for n in "$@"; do
	cat <<EOT
check_PROGRAMS += t_$n p_$n d_$n l_$n
TESTS += t_$n p_$n d_$n l_$n
t_${n}_SOURCES = $n.c xtest.h tap.h
t_${n}_LDADD = \$(LINKED)
p_${n}_SOURCES = $n.c xtest.h tap.h
p_${n}_CPPFLAGS = \$(AM_CPPFLAGS) -DXT_PRELOAD
p_${n}_LDADD = \$(PTHREAD_LIBS)
d_${n}_SOURCES = $n.c xtest.h tap.h
d_${n}_CPPFLAGS = \$(AM_CPPFLAGS) -DXT_PRELOAD -DXT_DIRECT
d_${n}_LDADD = \$(PTHREAD_LIBS)
l_${n}_SOURCES = $n.c xtest.h tap.h
l_${n}_CPPFLAGS = \$(AM_CPPFLAGS) -DXT_PRELOAD -DXT_LEASE
l_${n}_LDADD = \$(PTHREAD_LIBS)
EOT
done
