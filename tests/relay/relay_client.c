/*
 * relay_client.c - lib/relay.c and lib/relay_wire.c compiled into the
 * relay tests on their own
 * (with the host files and stub_sys.c for the one fdtable.c call), so they run
 * whatever state the rest of the library is in.
 */
#include "relay.c"
#include "relay_wire.c"
