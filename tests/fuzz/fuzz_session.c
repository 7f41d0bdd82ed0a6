/* fuzz_session.c - libFuzzer harness for the daemon's device session state
 * machine past the handshake (daemon/server_session.c, through the fuzzing seam of
 * server.h: fs__server_session_open/feed).
 *
 * Every run starts from the same small world (a template store made once:
 * an admin, a manager M01 with reps A01 and A02, a rep B01 of no team,
 * devices for each, a revoked device, a device under a wipe order, a few
 * cards) copied into a directory on tmpfs, and a real fs_server with its
 * writer thread and thread-pool pulls, but no socket and no Noise.  The
 * input is a program: open device or admin sessions, send PUSH (changes
 * built from the input: kinds, ids, owners, fields, clocks, counters), PULL,
 * PING, BYE, ADMIN (revoke, depart, transfer, cover, lend, gc ...), any
 * other message type, raw bytes, and run the loop, in any order.
 *
 * Invariants checked (a violation aborts, which libFuzzer reports):
 *  - every message the daemon sends decodes;
 *  - a revoked or wiped device is never admitted, and a session whose
 *    device lost its standing by an admin command is closed;
 *  - a device is never sent a row its staff may not read (checked against
 *    the store's access rules when no admin command ran in the window); a
 *    snapshot (cursor 0) carries no deleted record;
 *  - NOTIFY goes only to sessions that asked to watch;
 *  - a session under a wipe order is sent nothing but WELCOME, PUSH_RESULT,
 *    PONG, ERROR and WIPE, and nothing after WIPE;
 *  - one answer per request: PUSH_RESULT has one result per change in
 *    order, PONG echoes PING, a pull ends in CHECKPOINT or ERROR;
 *  - every change acknowledged APPLIED or MERGED is in the store's applied
 *    table once the server stopped.
 * Seeds: tests/fuzz/corpus/session/.  The store lives under $FS_FUZZ_TMP,
 * else /dev/shm, else $TMPDIR or /tmp.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>
#include <uv.h>

#include "access.h"
#include "admin.h"
#include "buf.h"
#include "store/central.h"
#include "store/impl.h"
#include "config.h"
#include "fs_errno.h"
#include "hlc.h"
#include "keys.h"
#include "status.h"
#include "log.h"
#include "msg.h"
#include "server.h"
#include "token.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSLOT 4
#define MAX_OPS 48
#define MAX_ACKS 512

#define CHECK(cond, ...)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      fprintf(stderr, "fuzz_session: invariant broken: " __VA_ARGS__);                   \
      fprintf(stderr, "\n");                                                             \
      abort();                                                                           \
    }                                                                                    \
  } while (0)

/* ---- the world ------------------------------------------------------- */

static const char *const staff_pool[] = {"ADM", "M01", "A01", "A02", "B01", "C09"};
#define NSTAFF 6
/* Devices of the template, by staff; the last two are revoked and under a
 * wipe order.  ids are filled at init. */
static const char *const dev_staff[] = {"A01", "A01", "A02", "M01",
                                        "B01", "ADM", "A02", "B01"};
#define NDEV 8
static uint64_t dev_id[NDEV];
static uint64_t dev_counter0[NDEV]; /* highest counter used by the template */

static char tmpl_dir[512], work_dir[512], db_path[600];
static uint8_t *tmpl_db;
static size_t tmpl_db_len;
static fs_config cfg;
static char today[16], next_week[16];

static char id_pool[8][FS_ID_HEX + 1];

static void die(const char *what, int rc) {
  fprintf(stderr, "fuzz_session: %s: %s\n", what, fs_strerror(rc));
  exit(1);
}

static int admin_run1(fs_central *c, const uint8_t *pub, const fs_msg_admin *req,
                      fs_msg_admin_result *res) {
  fs_admin_ctx ctx = {c, &cfg, pub, "fuzz"};
  int rc = fs__central_begin(c);
  memset(res, 0, sizeof(*res));
  if (rc == 0)
    rc = fs__admin_exec(&ctx, req, res);
  if (rc == 0)
    rc = fs__central_commit(c);
  else
    fs__central_rollback(c);
  return rc;
}

/* Runs cmd with string args k1, v1, ... NULL; fails init unless ok. */
static void admin_str(fs_central *c, const uint8_t *pub, char **out, const char *cmd,
                      ...) {
  fs_admin_arg args[8];
  fs_msg_admin req = {(char *)cmd, args, 0};
  fs_msg_admin_result res;
  va_list ap;
  const char *k;
  int rc;

  memset(args, 0, sizeof(args));
  va_start(ap, cmd);
  while ((k = va_arg(ap, const char *)) != NULL) {
    args[req.nargs].key = (char *)k;
    args[req.nargs].type = FS_ARG_STR;
    args[req.nargs].s = va_arg(ap, char *);
    if (strcmp(k, "device") == 0 || strcmp(k, "wipe") == 0) {
      args[req.nargs].type = FS_ARG_INT;
      args[req.nargs].i = atoll(args[req.nargs].s);
    }
    req.nargs++;
  }
  va_end(ap);
  rc = admin_run1(c, pub, &req, &res);
  if (rc || !res.ok) {
    fprintf(stderr, "fuzz_session: template: %s: %s\n", cmd, res.text ? res.text : "");
    die(cmd, rc ? rc : res.code);
  }
  if (out)
    *out = res.out ? strdup(res.out) : NULL;
  free(res.text);
  free(res.out);
  free(res.json);
}

/* ---- values and changes ---------------------------------------------- */

typedef struct reader {
  const uint8_t *p;
  size_t n;
} reader;

static unsigned u8(reader *r) {
  if (r->n == 0)
    return 0;
  r->n--;
  return *r->p++;
}

static uint64_t u64(reader *r) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | u8(r);
  return v;
}

static uint64_t now_ms(void) {
  return fs__now_ms();
}

/* A value for field f of kind kd: mostly valid, sometimes NULL or bad. */
static void gen_value(const fs_field *f, unsigned v, fs_value *out) {
  static const char *const texts[] = {"Hangzhou Pump Co", "北京机械", "x", "notes\nline"};
  static const char *const dates[] = {"2026-12-03", "2025-01-31", "2026-02-30"};
  static const char *const dts[] = {"2026-12-03T10:00", "2026-12-03T10:00:59",
                                    "2026-13-01T00:00"};
  const char *s = NULL;
  int n = 0;

  memset(out, 0, sizeof(*out));
  if (v % 16 == 15)
    return; /* NULL */
  if (v % 16 == 14) {
    fs__value_set_text(out, "bad\x01", 4);
    return;
  }
  switch (f->type) {
  case FS_FT_INT:
    fs__value_set_int(out, v % 3 == 0   ? f->min
                           : v % 3 == 1 ? f->max
                                        : (f->min + f->max) / 2);
    return;
  case FS_FT_BOOL:
    fs__value_set_int(out, v & 1);
    return;
  case FS_FT_DATE:
    s = dates[v % 3];
    break;
  case FS_FT_DATETIME:
    s = dts[v % 3];
    break;
  case FS_FT_ENUM:
    while (f->enum_values[n])
      n++;
    s = f->enum_values[v % (unsigned)n];
    break;
  case FS_FT_REF:
    s = id_pool[v % 8];
    break;
  case FS_FT_STAFF:
    s = staff_pool[v % NSTAFF];
    break;
  default:
    s = texts[v % 4];
    break;
  }
  fs__value_set_text(out, s, strlen(s));
}

/* A change with every field of the kind set validly (sel 0) or a few
 * fields from the input. */
static void gen_change(reader *r, fs_change *c, uint64_t device, uint64_t counter,
                       int full) {
  fs_kind k = (fs_kind)(u8(r) % FS_KIND__COUNT);
  const fs_kind_def *kd = fs__kind_def(k);
  unsigned ow = u8(r), ck = u8(r);
  int nf;

  memset(c, 0, sizeof(*c));
  c->kind = k;
  snprintf(c->id, sizeof(c->id), "%s", id_pool[u8(r) % 8]);
  c->op = ow & 0x80 ? FS_OP_DELETE : FS_OP_UPSERT;
  snprintf(c->owner, sizeof(c->owner), "%s", staff_pool[ow % NSTAFF]);
  snprintf(c->author, sizeof(c->author), "%s", staff_pool[(ow >> 3) % NSTAFF]);
  c->device_id = ck & 0x40 ? dev_id[ck % NDEV] : device;
  c->counter = counter;
  c->hlc =
      ((now_ms() - (ck & 0x20 ? 86400000ULL : 0) + (ck & 0x10 ? 400ULL * 86400000 : 0))
       << 16) +
      (counter & 0xffff);
  nf = full ? kd->nfields : (int)(u8(r) % 4);
  c->fields = calloc((size_t)(nf ? nf : 1), sizeof(*c->fields));
  for (int i = 0; c->fields && i < nf; i++) {
    int fi = full ? i : (int)(u8(r) % (unsigned)kd->nfields);
    int dup = full && (kd->fields[fi].flags & FS_F_UNIQUE); /* one card, one number */
    for (int j = 0; j < c->nfields; j++)
      dup |= c->fields[j].field == fi;
    if (dup)
      continue;
    c->fields[c->nfields].field = fi;
    c->fields[c->nfields].hlc = c->hlc;
    gen_value(&kd->fields[fi], full ? 0 : u8(r), &c->fields[c->nfields].value);
    c->nfields++;
  }
}

/* ---- template -------------------------------------------------------- */

static void make_dir(char *buf, size_t len, const char *tag) {
  const char *base = getenv("FS_FUZZ_TMP");
  if (base == NULL || !*base)
    base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
  if (base == NULL || !*base)
    base = "/tmp";
  snprintf(buf, len, "%s/fs_fuzz_session_%s.XXXXXX", base, tag);
  if (mkdtemp(buf) == NULL)
    die("mkdtemp", FS_EIO);
}

static void rm_dir(const char *dir) {
  char p[700];
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    unlink(p);
  }
  if (d)
    closedir(d);
  rmdir(dir);
}

static void cleanup(void) {
  rm_dir(work_dir);
  rm_dir(tmpl_dir);
}

static void seed_cards(fs_central *c) {
  /* One customer card and one visit for A01, A02 and B01 from their first
   * devices: pulls have something to filter from the first message on. */
  static const int who[] = {0, 2, 4};       /* devices (dev_staff) */
  static const uint8_t owner[] = {2, 3, 4}; /* A01 A02 B01 (staff_pool) */
  for (int i = 0; i < 3; i++) {
    fs_device d;
    fs_change ch[2];
    fs_push_result res[2];
    /* gen_change's input: kind, owner (and author), clock flags, id. */
    uint8_t in[4] = {FS_KIND_CUSTOMER, owner[i], 0, (uint8_t)i};
    reader r = {in, 4};
    int rc;

    rc = fs__central_device_by_id(fs__central_rd(c), dev_id[who[i]], &d);
    if (rc)
      die("template device", rc);
    gen_change(&r, &ch[0], d.id, 1, 1);
    in[0] = FS_KIND_VISIT;
    in[3] = (uint8_t)(3 + i);
    r.p = in;
    r.n = 4;
    gen_change(&r, &ch[1], d.id, 2, 1);
    /* The visit belongs to the card just made. */
    for (int f = 0; f < ch[1].nfields; f++)
      if (fs__kind_def(FS_KIND_VISIT)->fields[ch[1].fields[f].field].type == FS_FT_REF) {
        fs__value_free(&ch[1].fields[f].value);
        fs__value_set_text(&ch[1].fields[f].value, ch[0].id, FS_ID_HEX);
      }
    memset(res, 0, sizeof(res));
    rc = fs__central_begin(c);
    if (rc == 0)
      rc = fs__central_push(c, &d, ch, NULL, 2, res);
    if (rc == 0)
      rc = fs__central_commit(c);
    if (rc)
      die("template push", rc);
    for (int k = 0; k < 2; k++) {
      if (res[k].outcome != FS_OUTCOME_APPLIED)
        fprintf(stderr, "fuzz_session: template card %d/%d not applied: %s\n", i, k,
                res[k].reason ? res[k].reason : "");
      free(res[k].reason);
      fs__change_release(&ch[k]);
    }
    dev_counter0[who[i]] = 2;
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  char path[700];
  fs_keypair *kp = NULL;
  fs_central *c = NULL;
  FILE *f;
  time_t t = time(NULL);
  struct tm tm;
  int rc;

  (void)argc;
  (void)argv;
  if (sodium_init() < 0)
    die("sodium_init", FS_EINTERNAL);
  fs__log_set_level(getenv("FS_FUZZ_LOG") ? FS_LOG_DEBUG : FS_LOG_ERROR);
  fs__config_defaults(&cfg);
  gmtime_r(&t, &tm);
  strftime(today, sizeof(today), "%Y-%m-%d", &tm);
  t += 7 * 86400;
  gmtime_r(&t, &tm);
  strftime(next_week, sizeof(next_week), "%Y-%m-%d", &tm);
  for (int i = 0; i < 8; i++)
    snprintf(id_pool[i], sizeof(id_pool[i]), "%032x", 0xc0de00 + i);

  make_dir(tmpl_dir, sizeof(tmpl_dir), "tmpl");
  make_dir(work_dir, sizeof(work_dir), "work");
  atexit(cleanup);
  rc = fs__keypair_generate(&kp);
  snprintf(path, sizeof(path), "%s/daemon.key", work_dir);
  if (rc == 0)
    rc = fs__keypair_save(kp, path);
  snprintf(path, sizeof(path), "%s/central.db", tmpl_dir);
  if (rc == 0)
    rc = fs__central_open(path, 1, &c);
  if (rc)
    die("template store", rc);
  admin_str(c, kp->pub, NULL, "staff.add", "code", "ADM", "name", "Admin", "role",
            "admin", NULL);
  admin_str(c, kp->pub, NULL, "staff.add", "code", "M01", "name", "Manager", "role",
            "manager", NULL);
  admin_str(c, kp->pub, NULL, "staff.add", "code", "A01", "name", "Rep A1", "role", "rep",
            "manager", "M01", NULL);
  admin_str(c, kp->pub, NULL, "staff.add", "code", "A02", "name", "Rep A2", "role", "rep",
            "manager", "M01", NULL);
  admin_str(c, kp->pub, NULL, "staff.add", "code", "B01", "name", "Rep B1", "role", "rep",
            NULL);
  for (int i = 0; i < NDEV; i++) {
    char *out = NULL, *tok;
    fs_token *tk = sodium_malloc(sizeof(*tk));
    uint8_t pub[32];
    fs_device d;

    admin_str(c, kp->pub, &out, "enroll", "code", dev_staff[i], NULL);
    tok = out ? strstr(out, "fs1") : NULL;
    if (tok == NULL || tk == NULL)
      die("enroll token", FS_EINTERNAL);
    tok[strcspn(tok, " \n")] = '\0';
    randombytes_buf(pub, sizeof(pub));
    rc = fs__token_parse(tok, strlen(tok), tk);
    if (rc == 0)
      rc = fs__central_begin(c);
    if (rc == 0)
      rc = fs__enroll_device(c, tk, pub, &d);
    if (rc == 0)
      rc = fs__central_commit(c);
    if (rc)
      die("enroll", rc);
    dev_id[i] = d.id;
    sodium_free(tk);
    free(out);
  }
  seed_cards(c);
  {
    char id[32];
    snprintf(id, sizeof(id), "%llu", (unsigned long long)dev_id[6]);
    admin_str(c, kp->pub, NULL, "revoke", "device", id, NULL);
    snprintf(id, sizeof(id), "%llu", (unsigned long long)dev_id[7]);
    admin_str(c, kp->pub, NULL, "revoke", "device", id, "wipe", "1", NULL);
  }
  fs__central_free(c);
  fs__keypair_free(kp);
  /* The template's bytes, copied into the work directory before every run. */
  f = fopen(path, "rb");
  if (f == NULL)
    die("template read", FS_EIO);
  fseek(f, 0, SEEK_END);
  tmpl_db_len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  tmpl_db = malloc(tmpl_db_len);
  if (tmpl_db == NULL || fread(tmpl_db, 1, tmpl_db_len, f) != tmpl_db_len)
    die("template read", FS_EIO);
  fclose(f);
  snprintf(db_path, sizeof(db_path), "%s/central.db", work_dir);
  return 0;
}

/* ---- one run --------------------------------------------------------- */

enum { REQ_ANY = -1, REQ_NONE = 0, REQ_PUSH, REQ_PULL, REQ_PING, REQ_ADMIN };

typedef struct ack {
  uint64_t device, counter;
} ack;

typedef struct slot {
  int used, gone, is_admin, wipe, wiped, watch, di;
  fs__session *sess;
  uint64_t device;
  char staff[FS_STAFF_MAX + 1];
  int req;
  uint64_t ping_n, pull_cursor, cp;
  uint32_t push_n;
  uint64_t push_counter[4];
} slot;

typedef struct world {
  uv_loop_t loop;
  fs_server *s;
  sqlite3 *rdb;
  fs_store_rd rd; /* rdb as a store read handle */
  slot slots[NSLOT];
  int admin_window; /* an admin command ran since the last drain */
  int gc_ran;
  uint64_t counter[NDEV];
  ack acks[MAX_ACKS];
  int nacks;
} world;

static world W;

static void check_rows(slot *sl, const fs_msg_pull_batch *b) {
  fs_access acc;
  const fs_kind_def *kd = fs__kind_def(b->kind);

  if (W.admin_window)
    return;
  CHECK(fs__central_access(&W.rd, sl->staff, (int64_t)fs__now_ms(), &acc) == 0,
        "access of %s unreadable", sl->staff);
  for (uint32_t i = 0; i < b->nrows; i++) {
    const fs_row *r = &b->rows[i];
    const char *cust = r->id;
    if (kd->parent_field >= 0 && r->values[kd->parent_field].type == FS_V_TEXT)
      cust = r->values[kd->parent_field].s;
    CHECK(fs__access_can_read(&acc, r->owner, cust),
          "%s row %s of %s (customer %s) sent to %s", kd->name, r->id, r->owner, cust,
          sl->staff);
    CHECK(sl->pull_cursor != 0 || !r->deleted, "snapshot carried deleted %s %s", kd->name,
          r->id);
  }
}

static void on_msg(void *ud, const uint8_t *p, size_t n) {
  slot *sl = ud;
  fs_msg m;
  int rc = fs__msg_decode(p, n, &m);

  CHECK(rc == 0, "daemon sent a message that does not decode: %s", fs_strerror(rc));
  CHECK(!sl->wiped, "%s sent after WIPE", fs__msg_type_name(m.type));
  if (sl->is_admin)
    CHECK(m.type == FS_MSG_ADMIN_RESULT || m.type == FS_MSG_ERROR,
          "admin session sent %s", fs__msg_type_name(m.type));
  else
    CHECK(m.type != FS_MSG_ADMIN_RESULT, "device session sent ADMIN_RESULT");
  if (sl->wipe)
    CHECK(m.type == FS_MSG_WELCOME || m.type == FS_MSG_PUSH_RESULT ||
              m.type == FS_MSG_PONG || m.type == FS_MSG_ERROR || m.type == FS_MSG_WIPE,
          "%s sent to a session under a wipe order", fs__msg_type_name(m.type));
  if (sl->req == REQ_ANY) {
    /* Raw bytes may have decoded into any request: no matching. */
    if (m.type == FS_MSG_WIPE)
      sl->wiped = 1;
    fs__msg_release(&m);
    return;
  }
  switch (m.type) {
  case FS_MSG_WIPE:
    sl->wiped = 1;
    break;
  case FS_MSG_PUSH_RESULT:
    CHECK(sl->req == REQ_PUSH, "PUSH_RESULT without PUSH");
    CHECK(m.u.push_result.n == sl->push_n, "PUSH_RESULT has %u results for %u changes",
          m.u.push_result.n, sl->push_n);
    for (uint32_t i = 0; i < m.u.push_result.n; i++) {
      const fs_push_result *r = &m.u.push_result.results[i];
      CHECK(r->counter == sl->push_counter[i], "result %u names counter %llu, not %llu",
            i, (unsigned long long)r->counter, (unsigned long long)sl->push_counter[i]);
      if ((r->outcome == FS_OUTCOME_APPLIED || r->outcome == FS_OUTCOME_MERGED) &&
          W.nacks < MAX_ACKS)
        W.acks[W.nacks++] = (ack){sl->device, r->counter};
    }
    sl->req = REQ_NONE;
    break;
  case FS_MSG_PULL_BATCH:
    CHECK(sl->req == REQ_PULL, "PULL_BATCH without PULL");
    check_rows(sl, &m.u.pull_batch);
    break;
  case FS_MSG_EVICT:
  case FS_MSG_CONFLICTS:
  case FS_MSG_NOTICE:
    CHECK(sl->req == REQ_PULL, "%s outside a pull", fs__msg_type_name(m.type));
    break;
  case FS_MSG_CHECKPOINT:
    CHECK(sl->req == REQ_PULL, "CHECKPOINT without PULL");
    sl->cp = m.u.checkpoint.cursor;
    sl->req = REQ_NONE;
    break;
  case FS_MSG_PONG:
    CHECK(sl->req == REQ_PING && m.u.ping.n == sl->ping_n, "PONG does not answer a PING");
    sl->req = REQ_NONE;
    break;
  case FS_MSG_ADMIN_RESULT:
    CHECK(sl->req == REQ_ADMIN, "ADMIN_RESULT without ADMIN");
    sl->req = REQ_NONE;
    break;
  case FS_MSG_ERROR:
    sl->req = REQ_NONE;
    break;
  case FS_MSG_NOTIFY:
    CHECK(sl->watch, "NOTIFY sent to a session that did not ask to watch");
    break;
  case FS_MSG_WELCOME:
    break;
  default:
    CHECK(0, "daemon sent %s to a device", fs__msg_type_name(m.type));
  }
  fs__msg_release(&m);
}

static void on_freed(void *ud) {
  slot *sl = ud;
  sl->gone = 1;
  sl->sess = NULL;
}

static const char *dev_status(uint64_t id) {
  static char st[16];
  fs_device d;
  if (fs__central_device_by_id(&W.rd, id, &d) != 0)
    return "gone";
  snprintf(st, sizeof(st), "%s", d.departed ? "departed" : fs__device_status_name(d.status));
  return st;
}

/* Runs the loop until no request is in flight and closed sessions are
 * freed; then judges the sessions still open against the store. */
static void drain(void) {
  while (!fs__server_idle(W.s))
    uv_run(&W.loop, UV_RUN_ONCE);
  uv_run(&W.loop, UV_RUN_NOWAIT);
  uv_run(&W.loop, UV_RUN_NOWAIT);
  for (int i = 0; i < NSLOT; i++) {
    slot *sl = &W.slots[i];
    const char *st;
    if (!sl->used || sl->gone || sl->is_admin)
      continue;
    CHECK(sl->req == REQ_NONE || sl->req == REQ_ANY, "slot %d: request %d never answered",
          i, sl->req);
    sl->req = REQ_NONE;
    st = dev_status(sl->device);
    CHECK(strcmp(st, "revoked") != 0 && strcmp(st, "wiped") != 0 &&
              strcmp(st, "gone") != 0,
          "device %llu is %s but its session is still open",
          (unsigned long long)sl->device, st);
  }
  W.admin_window = 0;
}

static slot *pick(reader *r, int admin) {
  slot *sl = &W.slots[u8(r) % NSLOT];
  if (!sl->used || sl->gone || sl->is_admin != admin)
    return NULL;
  /* The daemon reads nothing from a session while its request runs (reads
   * pause): its next message waits for the answer. */
  if (sl->req != REQ_NONE)
    drain();
  return sl->gone ? NULL : sl;
}

static slot *free_slot(void) {
  for (int i = 0; i < NSLOT; i++)
    if (!W.slots[i].used || W.slots[i].gone) {
      memset(&W.slots[i], 0, sizeof(W.slots[i]));
      return &W.slots[i];
    }
  return NULL;
}

static void feed(slot *sl, const fs_msg *m) {
  fs_buf b;
  int rc;

  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  if (fs__msg_encode(m, &b) == 0) {
    rc = fs__server_session_feed(sl->sess, b.data, b.len);
    if (rc == FS_EBUSY) {
      drain();
      rc = sl->gone ? FS_ECLOSED : fs__server_session_feed(sl->sess, b.data, b.len);
    }
    if (rc == FS_ECLOSED)
      sl->req = REQ_NONE;
  } else {
    sl->req = REQ_NONE;
  }
  fs__buf_release(&b);
}

static void op_open(reader *r, int admin) {
  slot *sl = free_slot();
  fs__session_tap tap = {on_msg, on_freed, NULL};
  fs_msg_hello h;
  unsigned di = u8(r) % NDEV, fl = u8(r);
  char before[16];
  int rc;

  if (sl == NULL)
    return;
  memset(&h, 0, sizeof(h));
  h.want = FS_WANT_SYNC | (fl & 1 ? FS_WANT_WATCH : 0);
  h.cursor = fl & 2 ? u8(r) : 0;
  h.outbox = (fl >> 2) & 3;
  tap.ud = sl;
  /* The standing before the open: the open itself may queue a change of it
   * (a wipe session with an empty outbox is wiped at once). */
  snprintf(before, sizeof(before), "%s", admin ? "active" : dev_status(dev_id[di]));
  sl->used = 1;
  sl->is_admin = admin;
  sl->di = (int)di;
  sl->device = admin ? 0 : dev_id[di];
  snprintf(sl->staff, sizeof(sl->staff), "%s", admin ? "" : dev_staff[di]);
  rc = fs__server_session_open(W.s, sl->device, &h, &tap, &sl->sess);
  if (rc) {
    CHECK(rc == FS_EREVOKED || rc == FS_EDEPARTED, "session open failed: %s",
          fs_strerror(rc));
    /* Unless an admin command (a revoke, say) may have committed since. */
    CHECK(W.admin_window || strcmp(before, "active") != 0,
          "active device %llu refused: %s", (unsigned long long)sl->device,
          fs_strerror(rc));
    sl->used = 0;
    return;
  }
  if (!admin) {
    CHECK(strcmp(before, "revoked") != 0 && strcmp(before, "wiped") != 0,
          "device %llu admitted while %s", (unsigned long long)sl->device, before);
    sl->wipe = strcmp(before, "wipe") == 0 || strcmp(before, "departed") == 0;
    sl->watch = (fl & 1) && !sl->wipe;
  }
}

static void op_push(reader *r) {
  slot *sl = pick(r, 0);
  fs_msg m;
  fs_change ch[4];
  unsigned n;

  if (sl == NULL)
    return;
  n = 1 + u8(r) % 4;
  fs__msg_init(&m, FS_MSG_PUSH);
  for (unsigned i = 0; i < n; i++) {
    unsigned how = u8(r);
    uint64_t *ctr = &W.counter[sl->di];
    /* Mostly the next counter; sometimes a retry of the last one. */
    uint64_t k = how % 8 == 7 && *ctr > 0 ? *ctr : ++*ctr;
    gen_change(r, &ch[i], sl->device, k, how % 8 == 6);
    sl->push_counter[i] = k;
  }
  m.u.push.changes = ch;
  m.u.push.n = n;
  m.u.push.outbox = n + u8(r) % 2;
  sl->push_n = n;
  sl->req = REQ_PUSH;
  feed(sl, &m);
  for (unsigned i = 0; i < n; i++)
    fs__change_release(&ch[i]);
}

static void op_pull(reader *r) {
  slot *sl = pick(r, 0);
  fs_msg m;
  unsigned how;

  if (sl == NULL)
    return;
  how = u8(r);
  fs__msg_init(&m, FS_MSG_PULL);
  m.u.pull.cursor = how % 4 == 0   ? 0
                    : how % 4 == 1 ? sl->cp
                    : how % 4 == 2 ? u8(r)
                                   : u64(r);
  m.u.pull.limit = u8(r) % 8;
  sl->pull_cursor = m.u.pull.cursor;
  sl->req = REQ_PULL;
  feed(sl, &m);
}

static void op_other(reader *r, int type) {
  slot *sl = pick(r, 0);
  fs_msg m;

  if (sl == NULL)
    return;
  fs__msg_init(&m, (fs_msg_type)type);
  if (type == FS_MSG_PING) {
    m.u.ping.n = u8(r);
    sl->ping_n = m.u.ping.n;
    sl->req = REQ_PING;
  }
  if (type != FS_MSG_PING)
    sl->req = REQ_ANY; /* PULL, PUSH, ADMIN... with defaults: any answer */
  feed(sl, &m);
}

static void op_raw(reader *r) {
  slot *sl = pick(r, u8(r) & 1);
  uint8_t buf[256];
  size_t n = u8(r);

  if (sl == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    buf[i] = (uint8_t)u8(r);
  sl->req = REQ_NONE;
  if (fs__server_session_feed(sl->sess, buf, n) == FS_EBUSY) {
    drain();
    if (!sl->gone)
      fs__server_session_feed(sl->sess, buf, n);
  }
  /* Raw bytes may well decode into a request: whatever comes back is
   * accepted as its answer (the decode check still holds). */
  sl->req = REQ_ANY;
}

static void op_admin(reader *r) {
  static const char *const cmds[] = {"revoke", "depart",    "transfer",     "cover",
                                     "lend",   "gc",        "sweep",        "devices",
                                     "enroll", "staff.add", "person.erase", "audit"};
  slot *sl = pick(r, 1);
  fs_admin_arg args[6];
  fs_msg m;
  unsigned c, a1, a2, a3;
  if (sl == NULL)
    return;
  c = u8(r) % 12;
  a1 = u8(r);
  a2 = u8(r);
  a3 = u8(r);
  memset(args, 0, sizeof(args));
  fs__msg_init(&m, FS_MSG_ADMIN);
  m.u.admin.cmd = (char *)cmds[c];
  m.u.admin.args = args;
#define ARG_S(k, v)                                                                      \
  (args[m.u.admin.nargs].key = (char *)(k), args[m.u.admin.nargs].type = FS_ARG_STR,     \
   args[m.u.admin.nargs++].s = (char *)(v))
#define ARG_I(k, v)                                                                      \
  (args[m.u.admin.nargs].key = (char *)(k), args[m.u.admin.nargs].type = FS_ARG_INT,     \
   args[m.u.admin.nargs++].i = (v))
  switch (c) {
  case 0:
    ARG_I("device", (int64_t)dev_id[a1 % NDEV]);
    if (a2 & 1)
      ARG_I("wipe", 1);
    break;
  case 1:
    ARG_S("code", staff_pool[a1 % NSTAFF]);
    ARG_S("successor", staff_pool[a2 % NSTAFF]);
    break;
  case 2:
    ARG_S("from", staff_pool[a1 % NSTAFF]);
    ARG_S("to", staff_pool[a2 % NSTAFF]);
    break;
  case 3:
    ARG_S("code", staff_pool[a1 % NSTAFF]);
    ARG_S("by", staff_pool[a2 % NSTAFF]);
    ARG_S("from", today);
    ARG_S("to", a3 & 1 ? today : next_week);
    break;
  case 4:
    ARG_S("customer", id_pool[a1 % 8]);
    ARG_S("to", staff_pool[a2 % NSTAFF]);
    ARG_I("days", 1 + a3 % 3);
    break;
  case 5:
    ARG_I("keep-days", 0);
    W.gc_ran = 1;
    break;
  case 8:
  case 9:
    ARG_S("code", staff_pool[a1 % NSTAFF]);
    if (c == 9) {
      ARG_S("name", "New");
      ARG_S("role", a2 & 1 ? "rep" : "manager");
      ARG_S("manager", "M01");
    }
    break;
  case 10:
    ARG_S("customer", id_pool[a1 % 8]);
    ARG_S("reason", "fuzz");
    W.gc_ran = 1; /* erasure rewrites records */
    break;
  default:
    break;
  }
  sl->req = REQ_ADMIN;
  W.admin_window = 1;
  feed(sl, &m);
}

static void op_bye(reader *r) {
  slot *sl = pick(r, 0);
  fs_msg m;
  if (sl == NULL)
    return;
  fs__msg_init(&m, FS_MSG_BYE);
  sl->req = REQ_NONE;
  feed(sl, &m);
}

static void check_acks(void) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;

  if (W.gc_ran || W.nacks == 0)
    return;
  CHECK(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
        "store unreadable");
  CHECK(sqlite3_prepare_v2(
            db, "SELECT outcome FROM applied WHERE device_id=?1 AND counter=?2", -1, &st,
            NULL) == SQLITE_OK,
        "applied unreadable");
  for (int i = 0; i < W.nacks; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)W.acks[i].device);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)W.acks[i].counter);
    CHECK(sqlite3_step(st) == SQLITE_ROW,
          "acknowledged change %llu/%llu is not in the store",
          (unsigned long long)W.acks[i].device, (unsigned long long)W.acks[i].counter);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader r = {data, size};
  char p[700];
  FILE *f;
  int rc, ops = 0;

  memset(&W, 0, sizeof(W));
  memcpy(W.counter, dev_counter0, sizeof(W.counter));
  /* A fresh copy of the template store. */
  for (const char *suf = "-wal\0-shm\0.lock\0"; *suf; suf += strlen(suf) + 1) {
    snprintf(p, sizeof(p), "%s%s", db_path, suf);
    unlink(p);
  }
  {
    /* 0600 like the daemon's own (it would warn and fix the mode). */
    int fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  }
  if (f == NULL || fwrite(tmpl_db, 1, tmpl_db_len, f) != tmpl_db_len)
    die("store copy", FS_EIO);
  fclose(f);
  uv_loop_init(&W.loop);
  rc = fs__server_init(&W.s, &W.loop, &cfg, work_dir);
  if (rc)
    die("server init", rc);
  if (sqlite3_open_v2(db_path, &W.rdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    die("read handle", FS_EDB);
  sqlite3_busy_timeout(W.rdb, 5000);
  W.rd.db = W.rdb;

  while (r.n > 0 && ops++ < MAX_OPS) {
    unsigned op = u8(&r);
    switch (op % 12) {
    case 0:
    case 1:
      op_open(&r, 0);
      break;
    case 2:
      op_open(&r, 1);
      break;
    case 3:
    case 4:
      op_push(&r);
      break;
    case 5:
      op_pull(&r);
      break;
    case 6:
      op_other(&r, FS_MSG_PING);
      break;
    case 7:
      op_other(&r, 1 + (int)(u8(&r) % FS_MSG_TYPE_MAX));
      break;
    case 8:
      op_raw(&r);
      break;
    case 9:
      op_admin(&r);
      break;
    case 10:
      op_bye(&r);
      break;
    default:
      drain();
      break;
    }
  }
  drain();
  fs__server_stop(W.s);
  uv_run(&W.loop, UV_RUN_DEFAULT);
  fs__server_free(W.s);
  sqlite3_close(W.rdb);
  CHECK(uv_loop_close(&W.loop) == 0, "handles left open on the loop");
  check_acks();
  return 0;
}
