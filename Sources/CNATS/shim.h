#ifndef PTT_CNATS_SHIM_H
#define PTT_CNATS_SHIM_H
// The official NATS C client (Debian's libnats-dev 3.4): the relays of a cluster share rooms
// through it. Its API is plain functions; the wrappers below only give Swift what it cannot
// spell: the status code that means success, and the C callbacks' types.
#include <nats/nats.h>

// NATS_OK, as an int (an enum constant Swift imports with an awkward type).
static inline int cnats_ok(void) { return NATS_OK; }

// Its status as a number and its text: the one error funnel (NATSError) turns both into one error.
static inline int cnats_status_code(natsStatus s) { return (int)s; }

// Connects with `opts`; the status as an int.
static inline int cnats_connect(natsConnection **nc, natsOptions *opts) { return (int)natsConnection_Connect(nc, opts); }

#endif
