/*
 * relay_client.c - lib/relay.c compiled into the relay tests on its own
 * (with stub_sys.c for the raw calls it takes from lib/sys.c), so they run
 * whatever state the rest of the library is in.
 */
#include "relay.c"
