/*
 * relay_client.c - lib/relay.c compiled into the relay tests on its own
 * (with the host files and stub_sys.c for the one fdtable.c call), so they run
 * whatever state the rest of the library is in.
 */
#include "relay.c"
