/*
 * floor_forwarder: the floor that `make bench-relay` measures ptt-relay against (the floor
 * of cost, not the talk floor of `single`-floor rooms).
 *
 * What it is for. A relay that forwards each audio frame of a room's talker to every other
 * member cannot do less work than this program does: one read per readable socket, one write
 * per delivered frame, no allocation and no copy per frame (the payload is unmasked in place
 * and re-framed over the client's own header), no threads, no queues while the kernel takes
 * the bytes. At 50 frames/s per talker nothing can be coalesced without adding latency, so what
 * this program spends per delivered frame is close to the system-call floor: mostly the
 * kernel's loopback TCP path, which any relay pays too. bench/run-relay-bench.sh drives it with
 * the same ptt-loadgen as ptt-relay and the Python relay and reports ptt-relay's CPU per
 * delivered frame as a multiple of this program's.
 *
 * What it does. Single-threaded epoll (level-triggered) over non-blocking sockets. It listens on
 * HOST:PORT (default 127.0.0.1:0; port 0 picks a free one) and prints
 * "listening on ws://HOST:PORT" on stdout, as ptt-relay and bench/broadcast_relay.py do. It
 * answers a WebSocket upgrade (Sec-WebSocket-Accept: SHA-1 and base64 from OpenSSL's libcrypto)
 * and selects no subprotocol: to a ptt client or ptt-loadgen --plain it is a plain forwarder
 * (docs/PROTOCOL.md, "The relay, the plain forwarder and floor control"), like
 * bench/broadcast_relay.py: no ids, no welcome. The room is the request path without its
 * query string. Every text or binary message is forwarded, unmasked and framed as a server
 * frame, to every other member of the same room (fragmented messages are put together first);
 * ping is answered with pong, close with close.
 *
 * Slow receivers. A frame the kernel does not take whole (EAGAIN or a partial write) waits in
 * that receiver's backlog, which holds at most 64 KiB; a frame that would overflow it is dropped
 * for that receiver (ptt-loadgen counts it as not delivered). Slow receivers are never closed
 * for being slow: ptt-relay drops too (it closes only after 10 s of dropping).
 *
 * What it does not do. No TLS, tokens, Origin, Host or version checks, no subprotocols or
 * extensions (no compression), no UTF-8 check of text, no ids, welcome, roster, talking state,
 * rate limits, timeouts, keepalive pings or statistics; no checks at all beyond WebSocket
 * framing (a message over 64 KiB, a continuation without a start or an unknown opcode closes the
 * connection). It is a measuring stick, not a relay to run.
 *
 * Build: cc -O2 -o floor_forwarder bench/floor_forwarder.c -lcrypto   (Debian: libssl-dev)
 * Run:   floor_forwarder [HOST [PORT]]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MESSAGE 65536                                /* payload bytes per message */
#define MAX_REQUEST 8192                                 /* the HTTP upgrade request */
#define MAX_BACKLOG 65536                                /* unsent bytes kept per receiver */
#define HEAD_ROOM 10                                     /* the longest server frame header */
#define IN_START 4096                                    /* a connection's first input buffer */
#define OUT_CAP (MAX_BACKLOG + HEAD_ROOM + MAX_MESSAGE)  /* backlog plus the tail of one frame */

struct room;

struct conn {
    int fd;
    int upgraded;
    int dead;                /* closed at the end of the current epoll batch */
    int writable_wanted;     /* EPOLLOUT is registered: the backlog is not empty */
    unsigned char *in;       /* bytes read and not yet handled */
    size_t in_len, in_cap;
    unsigned char *msg;      /* a fragmented message being put together, after HEAD_ROOM bytes */
    size_t msg_len;
    int msg_opcode;          /* 0: none in progress */
    unsigned char *out;      /* backlog: bytes out_off..out_len not yet written */
    size_t out_off, out_len;
    struct room *room;
    size_t slot;             /* index in room->members */
    struct conn *next_dead;
};

struct room {
    char *name;
    size_t name_len;
    struct conn **members;
    size_t count, cap;
    struct room *next;
};

static int epfd;
static struct room *rooms;
static struct conn *dead_list;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) die("realloc");
    return p;
}

/* Closes c after the current epoll batch, so that no pointer to it goes stale mid-batch. */
static void kill_conn(struct conn *c) {
    if (c->dead) return;
    c->dead = 1;
    c->next_dead = dead_list;
    dead_list = c;
}

static void set_events(struct conn *c, int want_out) {
    if (c->writable_wanted == want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        kill_conn(c);
        return;
    }
    c->writable_wanted = want_out;
}

/* Appends bytes to c's backlog (which has room: callers check) and asks for EPOLLOUT. */
static void backlog_append(struct conn *c, const unsigned char *p, size_t n) {
    if (!c->out) c->out = xrealloc(NULL, OUT_CAP);
    if (c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    set_events(c, 1);
}

/* Sends one whole frame (or the handshake response) to c: one write, or the backlog. */
static void send_bytes(struct conn *c, const unsigned char *p, size_t n) {
    if (c->dead) return;
    if (c->out_len > c->out_off) {
        /* Frames wait behind the backlog to stay in order; beyond its bound they are dropped. */
        if (c->out_len - c->out_off + n <= MAX_BACKLOG) backlog_append(c, p, n);
        return;
    }
    ssize_t w = write(c->fd, p, n);
    if (w == (ssize_t)n) return;
    if (w < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            kill_conn(c);
            return;
        }
        w = 0;
    }
    /* The rest of a frame must follow or the stream breaks: at most one frame, it always fits. */
    backlog_append(c, p + w, n - (size_t)w);
}

static void flush_backlog(struct conn *c) {
    while (c->out_len > c->out_off) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) kill_conn(c);
            return;
        }
        c->out_off += (size_t)w;
    }
    free(c->out);
    c->out = NULL;
    c->out_off = c->out_len = 0;
    set_events(c, 0);
}

/* Writes a server frame header (FIN set, unmasked) for a payload of n bytes so that it ends at
 * `end`; returns the header's length. */
static size_t put_header(unsigned char *end, int opcode, size_t n) {
    if (n < 126) {
        end[-2] = (unsigned char)(0x80 | opcode);
        end[-1] = (unsigned char)n;
        return 2;
    }
    if (n < 65536) {
        end[-4] = (unsigned char)(0x80 | opcode);
        end[-3] = 126;
        end[-2] = (unsigned char)(n >> 8);
        end[-1] = (unsigned char)n;
        return 4;
    }
    end[-10] = (unsigned char)(0x80 | opcode);
    end[-9] = 127;
    for (int i = 0; i < 8; i++) end[-1 - i] = (unsigned char)((uint64_t)n >> (8 * i));
    return 10;
}

static void forward(struct conn *from, const unsigned char *frame, size_t n) {
    struct room *r = from->room;
    for (size_t i = 0; i < r->count; i++) {
        struct conn *to = r->members[i];
        if (to != from) send_bytes(to, frame, n);
    }
}

static void close_with(struct conn *c, unsigned code) {
    unsigned char f[4] = {0x88, 2, (unsigned char)(code >> 8), (unsigned char)code};
    send_bytes(c, f, sizeof f);
    kill_conn(c);
}

/* One frame, payload unmasked; `payload` has at least the frame's header length of writable
 * bytes before it (the client's header, at least as long as the server's). */
static void handle_frame(struct conn *c, int fin, int opcode, unsigned char *payload, size_t n) {
    switch (opcode) {
    case 0x1: /* text */
    case 0x2: /* binary */
        if (c->msg_opcode) {
            close_with(c, 1002);
        } else if (fin) {
            size_t h = put_header(payload, opcode, n);
            forward(c, payload - h, h + n);
        } else {
            if (!c->msg) c->msg = xrealloc(NULL, HEAD_ROOM + MAX_MESSAGE);
            memcpy(c->msg + HEAD_ROOM, payload, n);
            c->msg_len = n;
            c->msg_opcode = opcode;
        }
        break;
    case 0x0: /* continuation */
        if (!c->msg_opcode) {
            close_with(c, 1002);
        } else if (c->msg_len + n > MAX_MESSAGE) {
            close_with(c, 1009);
        } else {
            memcpy(c->msg + HEAD_ROOM + c->msg_len, payload, n);
            c->msg_len += n;
            if (fin) {
                size_t h = put_header(c->msg + HEAD_ROOM, c->msg_opcode, c->msg_len);
                forward(c, c->msg + HEAD_ROOM - h, h + c->msg_len);
                c->msg_opcode = 0;
                c->msg_len = 0;
            }
        }
        break;
    case 0x8: { /* close: answer with its status code, then close */
        size_t echoed = n >= 2 ? 2 : 0;
        size_t h = put_header(payload, 0x8, echoed);
        send_bytes(c, payload - h, h + echoed);
        kill_conn(c);
        break;
    }
    case 0x9: { /* ping */
        size_t h = put_header(payload, 0xA, n);
        send_bytes(c, payload - h, h + n);
        break;
    }
    case 0xA: /* pong */
        break;
    default:
        close_with(c, 1002);
    }
}

/* Handles every whole frame in c->in, keeps the rest at the front, and makes room for the next
 * frame when it is longer than the buffer. */
static void handle_frames(struct conn *c) {
    size_t pos = 0, need = 0;
    while (!c->dead) {
        unsigned char *p = c->in + pos;
        size_t avail = c->in_len - pos, h = 2;
        if (avail < 2) break;
        int fin = p[0] & 0x80, opcode = p[0] & 0x0f, masked = p[1] & 0x80;
        uint64_t n = p[1] & 0x7f;
        if (n == 126) {
            if (avail < 4) break;
            n = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (n == 127) {
            if (avail < 10) break;
            n = 0;
            for (int i = 0; i < 8; i++) n = n << 8 | p[2 + i];
            h = 10;
        }
        if ((opcode & 0x8) && n > 125) {
            close_with(c, 1002);
            break;
        }
        if (n > MAX_MESSAGE) {
            close_with(c, 1009);
            break;
        }
        unsigned char *key = p + h;
        if (masked) h += 4;
        if (avail < h + n) {
            need = h + (size_t)n;
            break;
        }
        unsigned char *payload = p + h;
        if (masked)
            for (size_t i = 0; i < n; i++) payload[i] ^= key[i & 3];
        handle_frame(c, fin, opcode, payload, (size_t)n);
        pos += h + (size_t)n;
    }
    if (c->dead) return;
    if (pos > 0) {
        memmove(c->in, c->in + pos, c->in_len - pos);
        c->in_len -= pos;
    }
    if (need > c->in_cap) {
        c->in = xrealloc(c->in, need);
        c->in_cap = need;
    }
}

static void join_room(struct conn *c, const char *name, size_t len) {
    struct room *r = rooms;
    while (r && !(r->name_len == len && memcmp(r->name, name, len) == 0)) r = r->next;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) die("calloc");
        r->name = xrealloc(NULL, len + 1);
        memcpy(r->name, name, len);
        r->name[len] = 0;
        r->name_len = len;
        r->next = rooms;
        rooms = r;
    }
    if (r->count == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->members = xrealloc(r->members, r->cap * sizeof *r->members);
    }
    c->room = r;
    c->slot = r->count;
    r->members[r->count++] = c;
}

static void leave_room(struct conn *c) {
    struct room *r = c->room;
    if (!r) return;
    struct conn *last = r->members[--r->count];
    r->members[c->slot] = last;
    last->slot = c->slot;
    c->room = NULL;
    if (r->count > 0) return;
    struct room **link = &rooms;
    while (*link != r) link = &(*link)->next;
    *link = r->next;
    free(r->members);
    free(r->name);
    free(r);
}

static void http_refuse(struct conn *c, const char *status) {
    char text[128];
    int n = snprintf(text, sizeof text, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
    send_bytes(c, (const unsigned char *)text, (size_t)n);
    kill_conn(c);
}

/* The upgrade request: the path names the room, Sec-WebSocket-Key gives the answer. */
static void handle_request(struct conn *c) {
    unsigned char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end) {
        if (c->in_len >= MAX_REQUEST) http_refuse(c, "431 Request Header Fields Too Large");
        return;
    }
    const char *s = (const char *)c->in, *stop = (const char *)end + 2;
    const char *line_end = memmem(s, (size_t)(stop - s), "\r\n", 2);
    if ((size_t)(line_end - s) < 5 || memcmp(s, "GET ", 4) != 0) {
        http_refuse(c, "400 Bad Request");
        return;
    }
    const char *path = s + 4, *path_end = path;
    while (path_end < line_end && *path_end != ' ' && *path_end != '?') path_end++;

    const char *key = NULL;
    size_t key_len = 0;
    for (const char *line = line_end + 2; line < stop;) {
        const char *next = memmem(line, (size_t)(stop - line), "\r\n", 2);
        const char *colon = memchr(line, ':', (size_t)(next - line));
        if (colon && colon - line == 17 && strncasecmp(line, "Sec-WebSocket-Key", 17) == 0) {
            key = colon + 1;
            while (key < next && (*key == ' ' || *key == '\t')) key++;
            const char *key_end = next;
            while (key_end > key && (key_end[-1] == ' ' || key_end[-1] == '\t')) key_end--;
            key_len = (size_t)(key_end - key);
        }
        line = next + 2;
    }
    if (!key || key_len == 0 || key_len > 64) {
        http_refuse(c, "400 Bad Request");
        return;
    }

    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char joined[64 + sizeof guid], digest[SHA_DIGEST_LENGTH], accept[32];
    memcpy(joined, key, key_len);
    memcpy(joined + key_len, guid, sizeof guid - 1);
    SHA1(joined, key_len + sizeof guid - 1, digest);
    EVP_EncodeBlock(accept, digest, SHA_DIGEST_LENGTH);
    char response[256];
    int n = snprintf(response, sizeof response,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n", (const char *)accept);
    send_bytes(c, (const unsigned char *)response, (size_t)n);
    if (c->dead) return;

    join_room(c, path, (size_t)(path_end - path));
    c->upgraded = 1;
    size_t used = (size_t)(end + 4 - c->in);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    if (c->in_len > 0) handle_frames(c);
}

static void on_readable(struct conn *c) {
    if (c->in_len == c->in_cap) { /* a read of 0 bytes would look like the end */
        c->in_cap *= 2;
        c->in = xrealloc(c->in, c->in_cap);
    }
    ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (r <= 0) {
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) kill_conn(c);
        return;
    }
    c->in_len += (size_t)r;
    if (c->upgraded) {
        handle_frames(c);
    } else {
        handle_request(c);
        if (!c->dead && !c->upgraded && c->in_len == c->in_cap) {
            c->in_cap *= 2;
            c->in = xrealloc(c->in, c->in_cap);
        }
    }
}

static void on_listener(int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) perror("accept4");
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) die("calloc");
        c->fd = fd;
        c->in_cap = IN_START;
        c->in = xrealloc(NULL, c->in_cap);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    }
}

static void reap(void) {
    while (dead_list) {
        struct conn *c = dead_list;
        dead_list = c->next_dead;
        leave_room(c);
        close(c->fd);
        free(c->in);
        free(c->msg);
        free(c->out);
        free(c);
    }
}

int main(int argc, char **argv) {
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int port = argc > 2 ? atoi(argv[2]) : 0;
    signal(SIGPIPE, SIG_IGN);
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "floor_forwarder: %s is not an IPv4 address\n", host);
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, SOMAXCONN) < 0) die("listen");
    socklen_t len = sizeof addr;
    if (getsockname(lfd, (struct sockaddr *)&addr, &len) < 0) die("getsockname");
    printf("listening on ws://%s:%u\n", host, (unsigned)ntohs(addr.sin_port));
    fflush(stdout);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl");

    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                on_listener(lfd);
                continue;
            }
            if (!c->dead && (events[i].events & EPOLLOUT)) flush_backlog(c);
            if (!c->dead && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c);
        }
        reap();
    }
}
