#!/bin/sh
# gen-twins.sh NAME... - print the automake lines that build each test
# four times: t_NAME linked with libxpty, p_NAME unlinked and run
# preloaded (both in the default engine, the lease: docs/lease.md),
# d_NAME preloaded in the direct engine (no relay daemon), r_NAME
# preloaded in the relay engine (XPTY_ENGINE=relay).
for n in "$@"; do
	cat <<EOT
check_PROGRAMS += t_$n p_$n d_$n r_$n
TESTS += t_$n p_$n d_$n r_$n
t_${n}_SOURCES = $n.c xtest.h tap.h
t_${n}_LDADD = \$(LINKED)
p_${n}_SOURCES = $n.c xtest.h tap.h
p_${n}_CPPFLAGS = \$(AM_CPPFLAGS) -DXT_PRELOAD
p_${n}_LDADD = \$(PTHREAD_LIBS)
d_${n}_SOURCES = $n.c xtest.h tap.h
d_${n}_CPPFLAGS = \$(AM_CPPFLAGS) -DXT_PRELOAD -DXT_DIRECT
d_${n}_LDADD = \$(PTHREAD_LIBS)
r_${n}_SOURCES = $n.c xtest.h tap.h
r_${n}_CPPFLAGS = \$(AM_CPPFLAGS) -DXT_PRELOAD -DXT_RELAY
r_${n}_LDADD = \$(PTHREAD_LIBS)
EOT
done
