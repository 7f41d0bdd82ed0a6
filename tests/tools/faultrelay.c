/* faultrelay.c - a fault-injecting TCP relay for the tests (issue 16).
 *
 *   faultrelay --to HOST:PORT [--listen 127.0.0.1:PORT] [--seed N]
 *              [--latency MS] [--jitter MS] [--rate BYTES_PER_S]
 *              [--faulty N] [--fault SPEC]... [--verbose]
 *
 * Listens on 127.0.0.1 (port 0: any free one), prints "faultrelay listening
 * on port P" on stdout, and forwards every accepted connection to HOST:PORT.
 * "up" is the direction client -> daemon, "down" daemon -> client.
 *
 * Shaping (every connection, both directions): each read is delivered
 * latency + U[0, jitter] ms after it arrived, never before the read before
 * it (TCP keeps order); at most rate bytes/s leave per direction (a token
 * bucket holding 100 ms of rate, at least 512 bytes).
 *
 * Faults (the first N connections, --faulty, default 1; 0: all).  SPEC is
 * KIND:DIR:FRAME:OFFSET[:MS]:
 *   cut        close both sides when the byte at FRAME/OFFSET is next to go
 *              (nothing from there on is delivered)
 *   reset      the same with a TCP RST (SO_LINGER 0)
 *   halfclose  DIR's receiver reads end-of-stream there and DIR's later
 *              bytes are dropped; the other direction goes on (one-way close)
 *   corrupt    that byte is XORed with a non-zero value drawn from the seed
 *   stall      nothing moves on the connection, either way, for MS ms
 * FRAME counts DIR's frames from 1 (PROTOCOL.md section 1: a u32 big-endian
 * length, then the body; frame 1 up is Noise message 1, frame 1 down is
 * message 2, later frames are transport messages); OFFSET counts bytes from
 * the frame's first header byte (0: the boundary before the frame, 2: inside
 * its length, 4: its first body byte).  FRAME 0: OFFSET counts from the
 * start of the stream.  A fault fires once, and each firing is logged.
 *
 * Deterministic from --seed: the fault positions are exact, the corruption
 * values and the jitter drawn per read come from one generator per
 * connection seeded by (seed, connection number); only how the kernel splits
 * the stream into reads varies.
 *
 * Log (stderr): one line per fault fired ("conn C: cut down 2+10 fired at
 * byte B"), one per connection closed with its frames and bytes each way,
 * and with --verbose one per frame.  SIGTERM/SIGINT: a summary, exit 0.
 *
 * Bounded: at most MAX_CONNS connections at a time (more are closed at
 * once), BUF_CAP bytes and MAX_CHUNKS reads queued per direction; a full
 * queue stops reading from the sender (backpressure, as a slow link).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define MAX_FAULTS 8
#define BUF_CAP (256 * 1024)
#define MAX_CHUNKS 1024
#define READ_MAX 65536

enum { F_CUT, F_RESET, F_HALFCLOSE, F_CORRUPT, F_STALL };
static const char *const kind_names[] = {"cut", "reset", "halfclose", "corrupt", "stall"};

typedef struct fault {
  int kind, dir; /* dir: 0 up, 1 down */
  uint64_t frame, offset, ms;
} fault;

typedef struct armed {
  const fault *f;
  int resolved, fired;
  uint64_t at; /* absolute stream position of the byte */
} armed;

typedef struct chunk {
  uint64_t end; /* stream position after the read */
  int64_t due;  /* when it may leave */
} chunk;

typedef struct dir {
  int from, to; /* fds (owned by the conn) */
  uint8_t *buf; /* stream bytes [sent, rcvd) */
  size_t len;
  uint64_t rcvd, sent;
  chunk q[MAX_CHUNKS];
  size_t qh, qn;
  int64_t last_due;
  double tokens;
  int64_t refill_at;
  uint64_t frames, frame_start, next_frame;
  uint8_t hdr[4];
  int hdr_n;
  int eof, shut, dropping, blocked;
} dir;

typedef struct conn {
  int used, num, client, daemon;
  dir d[2];
  armed a[MAX_FAULTS];
  size_t na;
  int64_t stall_until;
  uint64_t rng;
} conn;

static struct {
  const char *to;
  int port;
  uint64_t seed;
  int64_t latency, jitter, rate;
  int faulty, verbose;
  fault faults[MAX_FAULTS];
  size_t nfaults;
} cfg;

static conn conns[MAX_CONNS];
static volatile sig_atomic_t stop_flag;
static int accepted, fired_total;
static const char *const dir_names[] = {"up", "down"};

static void on_stop(int sig) {
  (void)sig;
  stop_flag = 1;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* splitmix64: small, seedable, good enough for delays and XOR masks. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void usage(void) {
  fprintf(stderr,
          "usage: faultrelay --to HOST:PORT [--listen 127.0.0.1:PORT] [--seed N]\n"
          "       [--latency MS] [--jitter MS] [--rate BYTES_PER_S] [--faulty N]\n"
          "       [--fault KIND:DIR:FRAME:OFFSET[:MS]]... [--verbose]\n"
          "KIND: cut reset halfclose corrupt stall; DIR: up down (see faultrelay.c)\n");
  exit(2);
}

static uint64_t num_arg(const char *s, const char *what) {
  char *end = NULL;
  unsigned long long v;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (s[0] < '0' || s[0] > '9' || errno || end == s || *end) {
    fprintf(stderr, "faultrelay: %s: \"%s\" is not a number\n", what, s);
    exit(2);
  }
  return v;
}

static void parse_fault(const char *spec) {
  char tmp[128], *parts[5] = {NULL};
  size_t n = 0;
  fault f;

  if (cfg.nfaults == MAX_FAULTS) {
    fprintf(stderr, "faultrelay: at most %d faults\n", MAX_FAULTS);
    exit(2);
  }
  snprintf(tmp, sizeof(tmp), "%s", spec);
  for (char *p = strtok(tmp, ":"); p && n < 5; p = strtok(NULL, ":"))
    parts[n++] = p;
  if (n < 4) {
    fprintf(stderr, "faultrelay: fault \"%s\" is not KIND:DIR:FRAME:OFFSET[:MS]\n", spec);
    exit(2);
  }
  memset(&f, 0, sizeof(f));
  f.kind = -1;
  for (int k = 0; k < 5; k++)
    if (strcmp(parts[0], kind_names[k]) == 0)
      f.kind = k;
  f.dir = strcmp(parts[1], "up") == 0 ? 0 : strcmp(parts[1], "down") == 0 ? 1 : -1;
  if (f.kind < 0 || f.dir < 0 || (f.kind == F_STALL) != (n == 5)) {
    fprintf(stderr,
            "faultrelay: fault \"%s\": KIND is one of cut reset halfclose corrupt "
            "stall (only stall takes :MS), DIR up or down\n",
            spec);
    exit(2);
  }
  f.frame = num_arg(parts[2], "fault frame");
  f.offset = num_arg(parts[3], "fault offset");
  if (n == 5)
    f.ms = num_arg(parts[4], "stall ms");
  cfg.faults[cfg.nfaults++] = f;
}

static int set_nonblock(int fd) {
  return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int connect_daemon(void) {
  char host[256];
  const char *colon = strrchr(cfg.to, ':');
  struct addrinfo hints, *res = NULL, *ai;
  int fd = -1, one = 1;

  if (colon == NULL || (size_t)(colon - cfg.to) >= sizeof(host))
    return -1;
  memcpy(host, cfg.to, (size_t)(colon - cfg.to));
  host[colon - cfg.to] = '\0';
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
    return -1;
  for (ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    set_nonblock(fd);
  }
  return fd;
}

static void conn_close(conn *c, int reset) {
  struct linger lg = {1, 0};
  if (reset) {
    setsockopt(c->client, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    setsockopt(c->daemon, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
  fprintf(stderr,
          "faultrelay: conn %d closed: up %llu frames %llu bytes, down %llu frames %llu "
          "bytes\n",
          c->num, (unsigned long long)c->d[0].frames, (unsigned long long)c->d[0].sent,
          (unsigned long long)c->d[1].frames, (unsigned long long)c->d[1].sent);
  for (size_t i = 0; i < c->na; i++)
    if (!c->a[i].fired)
      fprintf(stderr,
              "faultrelay: conn %d: %s %s %llu+%llu did not fire (the stream ended "
              "before it)\n",
              c->num, kind_names[c->a[i].f->kind], dir_names[c->a[i].f->dir],
              (unsigned long long)c->a[i].f->frame,
              (unsigned long long)c->a[i].f->offset);
  close(c->client);
  close(c->daemon);
  free(c->d[0].buf);
  free(c->d[1].buf);
  memset(c, 0, sizeof(*c));
}

static void accept_one(int lfd) {
  conn *c = NULL;
  int fd = accept(lfd, NULL, NULL), dfd, one = 1;

  if (fd < 0)
    return;
  accepted++;
  for (int i = 0; i < MAX_CONNS && c == NULL; i++)
    if (!conns[i].used)
      c = &conns[i];
  if (c == NULL) {
    fprintf(stderr, "faultrelay: conn %d refused: %d connections open\n", accepted,
            MAX_CONNS);
    close(fd);
    return;
  }
  dfd = connect_daemon();
  if (dfd < 0) {
    fprintf(stderr, "faultrelay: conn %d: cannot connect to %s: %s\n", accepted, cfg.to,
            strerror(errno));
    close(fd);
    return;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  set_nonblock(fd);
  memset(c, 0, sizeof(*c));
  c->used = 1;
  c->num = accepted;
  c->client = fd;
  c->daemon = dfd;
  c->rng = cfg.seed * 1000003u + (uint64_t)accepted;
  for (int k = 0; k < 2; k++) {
    c->d[k].from = k == 0 ? fd : dfd;
    c->d[k].to = k == 0 ? dfd : fd;
    c->d[k].buf = malloc(BUF_CAP);
    c->d[k].refill_at = now_ms();
    c->d[k].tokens = 0;
    if (c->d[k].buf == NULL) {
      fprintf(stderr, "faultrelay: out of memory\n");
      exit(1);
    }
  }
  if (cfg.faulty == 0 || accepted <= cfg.faulty)
    for (size_t i = 0; i < cfg.nfaults; i++) {
      c->a[c->na].f = &cfg.faults[i];
      c->a[c->na].resolved = cfg.faults[i].frame == 0;
      c->a[c->na].at = cfg.faults[i].offset;
      c->na++;
    }
  if (cfg.verbose)
    fprintf(stderr, "faultrelay: conn %d opened%s\n", c->num,
            c->na ? " (with faults)" : "");
}

static void log_fired(conn *c, armed *a) {
  a->fired = 1;
  fired_total++;
  fprintf(stderr, "faultrelay: conn %d: %s %s %llu+%llu fired at byte %llu\n", c->num,
          kind_names[a->f->kind], dir_names[a->f->dir], (unsigned long long)a->f->frame,
          (unsigned long long)a->f->offset, (unsigned long long)a->at);
}

/* Frames and corruption, on bytes as they arrive (before they are queued). */
static void ingest(conn *c, int k, uint8_t *p, size_t n) {
  dir *d = &c->d[k];
  for (size_t i = 0; i < n; i++) {
    uint64_t pos = d->rcvd + i;
    if (pos == d->next_frame) {
      d->frames++;
      d->frame_start = pos;
      d->hdr_n = 0;
      for (size_t j = 0; j < c->na; j++)
        if (c->a[j].f->dir == k && !c->a[j].resolved && c->a[j].f->frame == d->frames) {
          c->a[j].resolved = 1;
          c->a[j].at = pos + c->a[j].f->offset;
        }
    }
    if (d->hdr_n < 4) {
      d->hdr[d->hdr_n++] = p[i];
      if (d->hdr_n == 4) {
        uint64_t len = ((uint64_t)d->hdr[0] << 24) | ((uint64_t)d->hdr[1] << 16) |
                       ((uint64_t)d->hdr[2] << 8) | d->hdr[3];
        d->next_frame = d->frame_start + 4 + len;
        if (cfg.verbose)
          fprintf(stderr, "faultrelay: conn %d %s frame %llu: %llu bytes at byte %llu\n",
                  c->num, dir_names[k], (unsigned long long)d->frames,
                  (unsigned long long)len, (unsigned long long)d->frame_start);
      }
    }
    for (size_t j = 0; j < c->na; j++) {
      armed *a = &c->a[j];
      if (a->f->dir == k && a->f->kind == F_CORRUPT && a->resolved && !a->fired &&
          a->at == pos) {
        /* From the seed and the position only: the same run corrupts alike. */
        uint64_t r = cfg.seed ^ (pos * 0x2545f4914f6cdd1dULL) ^ (uint64_t)c->num;
        uint8_t x = (uint8_t)(rng_next(&r) % 255 + 1);
        p[i] ^= x;
        log_fired(c, a);
      }
    }
  }
}

static int read_dir(conn *c, int k) {
  dir *d = &c->d[k];
  uint8_t tmp[READ_MAX];
  size_t room = d->dropping ? sizeof(tmp) : BUF_CAP - d->len;
  ssize_t r;

  if (room > sizeof(tmp))
    room = sizeof(tmp);
  r = recv(d->from, tmp, room, 0);
  if (r < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
  if (r == 0) {
    d->eof = 1;
    return 0;
  }
  if (d->dropping)
    return 0;
  ingest(c, k, tmp, (size_t)r);
  memcpy(d->buf + d->len, tmp, (size_t)r);
  d->len += (size_t)r;
  d->rcvd += (uint64_t)r;
  {
    int64_t due =
        now_ms() + cfg.latency +
        (cfg.jitter > 0 ? (int64_t)(rng_next(&c->rng) % (uint64_t)(cfg.jitter + 1)) : 0);
    if (due < d->last_due)
      due = d->last_due;
    d->last_due = due;
    d->q[(d->qh + d->qn) % MAX_CHUNKS] = (chunk){d->rcvd, due};
    d->qn++;
  }
  return 0;
}

/* How many bytes of direction k may leave now (before fault positions). */
static size_t deliverable(conn *c, int k, int64_t now) {
  dir *d = &c->d[k];
  uint64_t ready = d->sent;
  size_t n;

  if (now < c->stall_until)
    return 0;
  for (size_t i = 0; i < d->qn; i++) {
    const chunk *ch = &d->q[(d->qh + i) % MAX_CHUNKS];
    if (ch->due > now)
      break;
    ready = ch->end;
  }
  n = (size_t)(ready - d->sent);
  if (cfg.rate > 0) {
    double burst = cfg.rate / 10.0 < 512 ? 512 : cfg.rate / 10.0;
    d->tokens += (double)(now - d->refill_at) * (double)cfg.rate / 1000.0;
    if (d->tokens > burst)
      d->tokens = burst;
    d->refill_at = now;
    if ((double)n > d->tokens)
      n = (size_t)d->tokens;
  }
  for (size_t j = 0; j < c->na; j++) {
    const armed *a = &c->a[j];
    if (a->f->dir == k && a->f->kind != F_CORRUPT && a->resolved && !a->fired &&
        a->at >= d->sent && a->at - d->sent < n)
      n = (size_t)(a->at - d->sent);
  }
  return n;
}

/* Moves what may move; 1 when the connection was closed. */
static int pump(conn *c, int64_t now) {
  for (int k = 0; k < 2; k++) {
    dir *d = &c->d[k];
    for (;;) {
      size_t n;
      ssize_t w;
      for (size_t j = 0; j < c->na; j++) {
        armed *a = &c->a[j];
        if (a->f->dir != k || a->f->kind == F_CORRUPT || !a->resolved || a->fired ||
            a->at != d->sent || now < c->stall_until)
          continue;
        log_fired(c, a);
        if (a->f->kind == F_CUT || a->f->kind == F_RESET) {
          conn_close(c, a->f->kind == F_RESET);
          return 1;
        }
        if (a->f->kind == F_STALL) {
          c->stall_until = now + (int64_t)a->f->ms;
        } else { /* F_HALFCLOSE */
          shutdown(d->to, SHUT_WR);
          d->shut = d->dropping = 1;
          d->len = 0;
          d->qn = 0;
        }
      }
      if (d->dropping || d->blocked)
        break;
      n = deliverable(c, k, now);
      if (n == 0)
        break;
      w = send(d->to, d->buf, n, MSG_NOSIGNAL);
      if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
        d->blocked = errno == EAGAIN;
        break;
      }
      if (w < 0) {
        conn_close(c, 0);
        return 1;
      }
      memmove(d->buf, d->buf + w, d->len - (size_t)w);
      d->len -= (size_t)w;
      d->sent += (uint64_t)w;
      if (cfg.rate > 0)
        d->tokens -= (double)w;
      while (d->qn > 0 && d->q[d->qh].end <= d->sent) {
        d->qh = (d->qh + 1) % MAX_CHUNKS;
        d->qn--;
      }
    }
    if (d->eof && d->len == 0 && !d->shut) {
      shutdown(d->to, SHUT_WR);
      d->shut = 1;
    }
  }
  if (c->d[0].shut && c->d[1].shut && (c->d[0].eof || c->d[0].dropping) &&
      (c->d[1].eof || c->d[1].dropping)) {
    conn_close(c, 0);
    return 1;
  }
  return 0;
}

/* When something may next move without any socket event. */
static int64_t next_wake(const conn *c, int64_t now) {
  int64_t t = now + 1000;
  for (int k = 0; k < 2; k++) {
    const dir *d = &c->d[k];
    if (d->len == 0 || d->dropping || d->blocked)
      continue;
    if (now < c->stall_until) {
      if (c->stall_until < t)
        t = c->stall_until;
      continue;
    }
    if (d->qn > 0 && d->q[d->qh].due > now && d->q[d->qh].due < t)
      t = d->q[d->qh].due;
    if (cfg.rate > 0 && d->tokens < 512) {
      int64_t need = (int64_t)((512 - d->tokens) * 1000.0 / (double)cfg.rate) + 1;
      if (now + need < t)
        t = now + need;
    }
  }
  return t;
}

int main(int argc, char **argv) {
  const char *listen_addr = "127.0.0.1:0";
  struct sockaddr_in sa;
  socklen_t sl = sizeof(sa);
  int lfd, one = 1;

  cfg.seed = 1;
  cfg.faulty = 1;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(o, "--verbose") == 0) {
      cfg.verbose = 1;
      continue;
    }
    if (v == NULL)
      usage();
    i++;
    if (strcmp(o, "--to") == 0)
      cfg.to = v;
    else if (strcmp(o, "--listen") == 0)
      listen_addr = v;
    else if (strcmp(o, "--seed") == 0)
      cfg.seed = num_arg(v, "--seed");
    else if (strcmp(o, "--latency") == 0)
      cfg.latency = (int64_t)num_arg(v, "--latency");
    else if (strcmp(o, "--jitter") == 0)
      cfg.jitter = (int64_t)num_arg(v, "--jitter");
    else if (strcmp(o, "--rate") == 0)
      cfg.rate = (int64_t)num_arg(v, "--rate");
    else if (strcmp(o, "--faulty") == 0)
      cfg.faulty = (int)num_arg(v, "--faulty");
    else if (strcmp(o, "--fault") == 0)
      parse_fault(v);
    else
      usage();
  }
  if (cfg.to == NULL || strncmp(listen_addr, "127.0.0.1:", 10) != 0)
    usage();
  cfg.port = (int)num_arg(listen_addr + 10, "--listen port");
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);

  lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)cfg.port);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(lfd, 64) != 0 || getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
    fprintf(stderr, "faultrelay: cannot listen on %s: %s\n", listen_addr,
            strerror(errno));
    return 1;
  }
  set_nonblock(lfd);
  printf("faultrelay listening on port %d\n", ntohs(sa.sin_port));
  fflush(stdout);

  while (!stop_flag) {
    struct pollfd p[1 + 2 * MAX_CONNS];
    int map[1 + 2 * MAX_CONNS], np = 1, timeout;
    int64_t now = now_ms(), wake = now + 1000;

    for (int i = 0; i < MAX_CONNS; i++)
      if (conns[i].used && !pump(&conns[i], now)) {
        int64_t t = next_wake(&conns[i], now);
        if (t < wake)
          wake = t;
      }
    p[0] = (struct pollfd){lfd, POLLIN, 0};
    map[0] = -1;
    for (int i = 0; i < MAX_CONNS; i++) {
      conn *c = &conns[i];
      if (!c->used)
        continue;
      for (int s = 0; s < 2; s++) {
        int fd = s == 0 ? c->client : c->daemon;
        short ev = 0;
        for (int k = 0; k < 2; k++) {
          dir *d = &c->d[k];
          if (d->from == fd && !d->eof &&
              (d->dropping || (d->len < BUF_CAP && d->qn < MAX_CHUNKS)))
            ev |= POLLIN;
          if (d->to == fd && d->blocked)
            ev |= POLLOUT;
        }
        p[np] = (struct pollfd){fd, ev, 0};
        map[np++] = i * 2 + s;
      }
    }
    timeout = (int)(wake - now);
    if (timeout < 0)
      timeout = 0;
    if (poll(p, (nfds_t)np, timeout) < 0 && errno != EINTR)
      return 1;
    if (p[0].revents & POLLIN)
      accept_one(lfd);
    for (int j = 1; j < np; j++) {
      conn *c = &conns[map[j] / 2];
      int fd = p[j].fd;
      if (!c->used || p[j].revents == 0)
        continue;
      for (int k = 0; k < 2 && c->used; k++) {
        dir *d = &c->d[k];
        if (d->to == fd && (p[j].revents & (POLLOUT | POLLERR | POLLHUP)))
          d->blocked = 0;
        if (d->from == fd && (p[j].revents & (POLLIN | POLLERR | POLLHUP)) && !d->eof &&
            read_dir(c, k) != 0)
          conn_close(c, 0);
      }
    }
  }
  for (int i = 0; i < MAX_CONNS; i++)
    if (conns[i].used)
      conn_close(&conns[i], 0);
  fprintf(stderr, "faultrelay: stopped after %d connections, %d faults fired\n", accepted,
          fired_total);
  close(lfd);
  return 0;
}
