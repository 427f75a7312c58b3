/*
 * stub_sys.c - what lib/relay.c takes from the rest of the library
 * besides lib/sys.h, lib/host.h and common/store.h (which these tests
 * build from the real files): fdtable.c's registry of private
 * descriptors and its fork gate, which have nothing to protect here.
 */
#include <sys/types.h>

#include "relay.h"

void
xfd_set_private(int fd, int *owner)
{
	(void)fd;
	(void)owner;
}

void
xfd_gate_enter(void)
{
}

void
xfd_gate_leave(void)
{
}
