/* benchutil.c - see benchutil.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "benchutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "config.h"
#include "db.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"
#include "keys.h"
#include "replica.h"
#include "store/impl.h" /* the bench seeds the store through its SQLite connection */

double bu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bu_scale(int argc, char **argv) {
  double s = 1.0;
  if (argc > 1)
    s = atof(argv[1]);
  if (!(s >= 0.001))
    s = 0.001;
  if (s > 10)
    s = 10;
  return s;
}

/* Runs argv to completion with stdout/stderr to /dev/null; 0 on exit 0. */
static int run_quiet(char *const argv[]) {
  pid_t pid = fork();
  int st;

  if (pid < 0)
    return FS_EIO;
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return FS_EIO;
  return 0;
}

/* A port the kernel just handed out; serve binds it right after.  (The
 * daemon refuses --listen HOST:0, and tokens must carry the real port.) */
static int free_port(void) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

  if (fd < 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
      getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
    port = ntohs(sa.sin_port);
  close(fd);
  return port;
}

int bu_daemon_setup(bu_daemon *d, const char *bin) {
  char tmpl[] = "/tmp/fsbench.XXXXXX";
  const char *env = getenv("FS_BIN");

  memset(d, 0, sizeof(*d));
  if (bin)
    snprintf(d->bin, sizeof(d->bin), "%s", bin);
  else
    snprintf(d->bin, sizeof(d->bin), "%s/fieldsyncd", env && *env ? env : FS_BIN);
  if (access(d->bin, X_OK) != 0) {
    fprintf(stderr, "bench: no executable %s (build fieldsyncd first)\n", d->bin);
    return FS_ENOTFOUND;
  }
  if (mkdtemp(tmpl) == NULL)
    return FS_EIO;
  snprintf(d->root, sizeof(d->root), "%s", tmpl);
  snprintf(d->data, sizeof(d->data), "%s/daemon", d->root);
  {
    char *argv[] = {d->bin, "init", "--data", d->data, NULL};
    if (run_quiet(argv)) {
      fprintf(stderr, "bench: fieldsyncd init failed\n");
      return FS_EIO;
    }
  }
  d->port = free_port();
  return d->port > 0 ? 0 : FS_EIO;
}

int bu_daemon_serve(bu_daemon *d) {
  char listen[64], logpath[BU_PATH_MAX + 16], line[256];
  size_t used = 0;
  int pfd[2];
  double deadline;
  pid_t parent = getpid();

  snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
  snprintf(logpath, sizeof(logpath), "%s/daemon.log", d->root);
  if (pipe(pfd) != 0)
    return FS_EIO;
  d->pid = fork();
  if (d->pid < 0) {
    d->pid = 0;
    close(pfd[0]);
    close(pfd[1]);
    return FS_EIO;
  }
  if (d->pid == 0) {
    int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    /* Die with the benchmark, whatever happens to it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(1);
    dup2(pfd[1], 1);
    if (fd >= 0)
      dup2(fd, 2);
    close(pfd[0]);
    close(pfd[1]);
    execl(d->bin, d->bin, "serve", "--data", d->data, "--listen", listen, (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  deadline = bu_now() + 10;
  memset(line, 0, sizeof(line));
  while (bu_now() < deadline && used < sizeof(line) - 1) {
    struct pollfd p = {pfd[0], POLLIN, 0};
    ssize_t n;
    int port = 0;
    if (poll(&p, 1, 100) <= 0)
      continue;
    n = read(pfd[0], line + used, sizeof(line) - 1 - used);
    if (n <= 0)
      break;
    used += (size_t)n;
    if (strchr(line, '\n') &&
        sscanf(line, "fieldsyncd listening on port %d", &port) == 1) {
      close(pfd[0]);
      if (port != d->port) {
        fprintf(stderr, "bench: daemon listens on %d, expected %d\n", port, d->port);
        return FS_EIO;
      }
      return 0;
    }
  }
  close(pfd[0]);
  fprintf(stderr, "bench: fieldsyncd serve did not report its port; see %s\n", logpath);
  bu_daemon_stop(d);
  return FS_EIO;
}

int bu_daemon_stop(bu_daemon *d) {
  int st = 0, code = -1;
  double deadline;

  if (d->pid <= 0)
    return 0;
  kill(d->pid, SIGTERM);
  deadline = bu_now() + 10;
  for (double nudge = bu_now() + 1;;) {
    pid_t w = waitpid(d->pid, &st, WNOHANG);
    if (w == d->pid) {
      code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      break;
    }
    if (nudge > 0 && bu_now() > nudge) {
      /* fieldsyncd's on_signal closes only the handle that fired; the
       * other signal handle keeps the loop alive.  SIGINT closes it. */
      fprintf(stderr, "bench: fieldsyncd still runs 1 s after SIGTERM; sending SIGINT\n");
      kill(d->pid, SIGINT);
      nudge = 0;
    }
    if (w < 0 || bu_now() > deadline) {
      kill(d->pid, SIGKILL);
      waitpid(d->pid, &st, 0);
      fprintf(stderr, "bench: fieldsyncd did not stop on SIGTERM within 10 s; killed\n");
      break;
    }
    usleep(10000);
  }
  d->pid = 0;
  return code;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void bu_daemon_cleanup(bu_daemon *d) {
  if (d == NULL)
    return;
  bu_daemon_stop(d);
  if (d->root[0] && getenv("FS_BENCH_KEEP") == NULL)
    nftw(d->root, rm_one, 32, FTW_DEPTH | FTW_PHYS);
  else if (d->root[0])
    fprintf(stderr, "bench: kept %s\n", d->root);
  d->root[0] = '\0';
}

double bu_proc_cpu(pid_t pid) {
  char path[64], buf[1024], *p;
  unsigned long long ut = 0, stt = 0;
  size_t n;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* fields after "(comm)": state is field 3; utime 14, stime 15 */
  p = strrchr(buf, ')');
  if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                          &stt) != 2)
    return 0;
  return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

long bu_proc_kb(pid_t pid, const char *field) {
  char path[64], line[256];
  size_t flen = strlen(field);
  long kb = 0;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  f = fopen(path, "r");
  if (f == NULL)
    return 0;
  while (fgets(line, sizeof(line), f))
    if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
      kb = atol(line + flen + 1);
      break;
    }
  fclose(f);
  return kb;
}

/* ---- administration ------------------------------------------------------- */

struct bu_admin {
  fs_central *c;
  fs_keypair *kp;
  fs_config cfg;
};

int bu_admin_open(bu_daemon *d, bu_admin **out) {
  char path[BU_PATH_MAX + 32], listen[64], err[128];
  bu_admin *a = calloc(1, sizeof(*a));
  int rc;

  if (a == NULL)
    return FS_ENOMEM;
  fs__config_defaults(&a->cfg);
  snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
  rc = fs__config_set(&a->cfg, "listen", listen, err, sizeof(err));
  if (rc == 0) {
    snprintf(path, sizeof(path), "%s/daemon.key", d->data);
    rc = fs__keypair_load(&a->kp, path);
  }
  if (rc == 0) {
    snprintf(path, sizeof(path), "%s/central.db", d->data);
    rc = fs__central_open(path, 0, &a->c);
  }
  if (rc == 0)
    rc = fs__central_begin(a->c);
  if (rc) {
    fs__central_free(a->c);
    fs__keypair_free(a->kp);
    free(a);
    return rc;
  }
  *out = a;
  return 0;
}

int bu_admin_run(bu_admin *a, char *out, size_t outlen, const char *cmd, ...) {
  fs_admin_arg args[8];
  fs_msg_admin req;
  fs_msg res;
  fs_admin_ctx ctx;
  va_list ap;
  uint32_t n = 0;
  int rc;

  memset(args, 0, sizeof(args));
  va_start(ap, cmd);
  for (;;) {
    const char *k = va_arg(ap, const char *);
    if (k == NULL || n == 8)
      break;
    args[n].key = (char *)k;
    args[n].type = FS_ARG_STR;
    args[n].s = (char *)va_arg(ap, const char *);
    n++;
  }
  va_end(ap);
  req.cmd = (char *)cmd;
  req.args = args;
  req.nargs = n;
  ctx.c = a->c;
  ctx.cfg = &a->cfg;
  ctx.daemon_pub = a->kp->pub;
  ctx.actor = "bench";
  fs__msg_init(&res, FS_MSG_ADMIN_RESULT);
  rc = fs__admin_exec(&ctx, &req, &res.u.admin_result);
  if (rc == 0 && !res.u.admin_result.ok) {
    fprintf(stderr, "bench: admin %s: %s\n", cmd,
            res.u.admin_result.text ? res.u.admin_result.text : "failed");
    rc = res.u.admin_result.code ? res.u.admin_result.code : FS_EINVAL;
  }
  if (rc == 0 && out && outlen)
    snprintf(out, outlen, "%s", res.u.admin_result.out ? res.u.admin_result.out : "");
  fs__msg_release(&res);
  return rc;
}

int bu_admin_close(bu_admin *a, int commit) {
  int rc = 0;

  if (a == NULL)
    return 0;
  if (commit)
    rc = fs__central_commit(a->c);
  else
    fs__central_rollback(a->c);
  fs__central_free(a->c);
  fs__keypair_free(a->kp);
  free(a);
  return rc;
}

int bu_admin_staff_token(bu_admin *a, const char *code, const char *role, char *token,
                         size_t toklen) {
  char *nl;
  int rc = bu_admin_run(a, NULL, 0, "staff.add", "code", code, "name", code, "role", role,
                        (const char *)NULL);
  if (rc == 0)
    rc = bu_admin_run(a, token, toklen, "enroll", "code", code, (const char *)NULL);
  if (rc == 0 && (nl = strchr(token, '\n')) != NULL)
    *nl = '\0';
  return rc;
}

/* ---- clients ---------------------------------------------------------------- */

void bu_client_dir(const bu_daemon *d, const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s", d->root, name);
}

int bu_client_enroll(bu_daemon *d, const char *name, const char *token, fs_replica **out) {
  char dir[BU_PATH_MAX + 64], err[256];
  int rc;

  bu_client_dir(d, name, dir, sizeof(dir));
  rc = fs_enroll(dir, token, 30000, NULL, err, sizeof(err));
  if (rc) {
    fprintf(stderr, "bench: enroll %s: %s\n", name, err);
    return rc;
  }
  if (out)
    rc = fs_replica_open(dir, out);
  return rc;
}

int bu_client_customer(fs_replica *r, long i, char cust_id[33]) {
  fs_record *rec = NULL;
  char name[64], phone[32];
  int rc;

  snprintf(name, sizeof(name), "客户 %ld 汽车销售有限公司", i);
  snprintf(phone, sizeof(phone), "+86 10 %08ld", i);
  rc = fs_record_new("customer", &rec);
  if (rc == 0)
    rc = fs_record_set(rec, "name", name);
  if (rc == 0)
    rc = fs_record_set(rec, "grade", "A");
  if (rc == 0)
    rc = fs_record_set(rec, "phone", phone);
  if (rc == 0)
    rc = fs_create(r, rec, cust_id);
  if (rc)
    fprintf(stderr, "bench: create customer: %s\n", fs_replica_last_error(r));
  fs_record_free(rec);
  return rc;
}

int bu_client_visits(fs_replica *r, const char *cust_id, long first, long n, int batch) {
  fs_identity id;
  fs_change *cs = NULL;
  int *creates = NULL;
  int rc;

  if (batch < 1)
    batch = 1;
  rc = fs_replica_identity(r, &id);
  if (rc)
    return rc;
  cs = calloc((size_t)batch, sizeof(*cs));
  creates = calloc((size_t)batch, sizeof(*creates));
  if (cs == NULL || creates == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  for (long done = 0; rc == 0 && done < n;) {
    int k = (int)(n - done < batch ? n - done : batch);
    for (int j = 0; rc == 0 && j < k; j++) {
      rc = bu_gen_visit(&cs[j], id.staff, cust_id, first + done + j, 0);
      creates[j] = 1;
    }
    if (rc == 0)
      rc = fs__replica_write(r, cs, creates, k, NULL, NULL);
    if (rc)
      fprintf(stderr, "bench: write visits: %s\n", fs_replica_last_error(r));
    for (int j = 0; j < k; j++)
      fs__change_release(&cs[j]);
    done += k;
  }
out:
  free(cs);
  free(creates);
  return rc;
}

/* ---- generators ------------------------------------------------------------- */

static int add_text(fs_change *c, const fs_kind_def *kd, const char *field, const char *s,
                    uint64_t hlc) {
  fs_field_change *fc = &c->fields[c->nfields];
  int f = fs__field_index(kd, field);

  if (f < 0)
    return FS_EUNKNOWN_FIELD;
  fc->field = f;
  fc->hlc = hlc;
  c->nfields++;
  return fs__value_set_text(&fc->value, s, strlen(s));
}

static int add_int(fs_change *c, const fs_kind_def *kd, const char *field, int64_t v,
                   uint64_t hlc) {
  fs_field_change *fc = &c->fields[c->nfields];
  int f = fs__field_index(kd, field);

  if (f < 0)
    return FS_EUNKNOWN_FIELD;
  fc->field = f;
  fc->hlc = hlc;
  fs__value_set_int(&fc->value, v);
  c->nfields++;
  return 0;
}

static int change_start(fs_change *c, fs_kind k, const char *staff, uint64_t hlc) {
  const fs_kind_def *kd = fs__kind_def(k);

  memset(c, 0, sizeof(*c));
  c->kind = k;
  c->op = FS_OP_UPSERT;
  c->hlc = hlc;
  snprintf(c->owner, sizeof(c->owner), "%s", staff);
  snprintf(c->author, sizeof(c->author), "%s", staff);
  fs__id_new(c->id);
  c->fields = calloc((size_t)kd->nfields, sizeof(*c->fields));
  return c->fields ? 0 : FS_ENOMEM;
}

int bu_gen_customer(fs_change *c, const char *staff, long i, uint64_t hlc) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  char buf[128];
  int rc = change_start(c, FS_KIND_CUSTOMER, staff, hlc);

  if (rc == 0) {
    snprintf(buf, sizeof(buf), "%s-%06ld", staff, i);
    rc = add_text(c, kd, "archive_no", buf, hlc);
  }
  if (rc == 0) {
    snprintf(buf, sizeof(buf), "客户 %ld 汽车销售有限公司", i);
    rc = add_text(c, kd, "name", buf, hlc);
  }
  if (rc == 0) {
    snprintf(buf, sizeof(buf), "%ld Chang'an Avenue, Dongcheng, Beijing", i);
    rc = add_text(c, kd, "address", buf, hlc);
  }
  if (rc == 0) {
    snprintf(buf, sizeof(buf), "+86 10 %08ld", i);
    rc = add_text(c, kd, "phone", buf, hlc);
  }
  if (rc == 0)
    rc = add_text(c, kd, "industry", "logistics", hlc);
  if (rc == 0)
    rc = add_text(c, kd, "grade", fs__grades[i % 4], hlc);
  if (rc == 0)
    rc = add_text(c, kd, "grade_date", "2026-01-15", hlc);
  if (rc == 0)
    rc = add_text(c, kd, "created", "2025-11-02", hlc);
  if (rc == 0)
    rc = add_int(c, kd, "revenue", (int64_t)i * 1000, hlc);
  return rc;
}

int bu_gen_visit(fs_change *c, const char *staff, const char *cust_id, long i, uint64_t hlc) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_VISIT);
  char buf[200];
  int rc = change_start(c, FS_KIND_VISIT, staff, hlc);

  if (rc == 0)
    rc = add_text(c, kd, "customer_id", cust_id, hlc);
  if (rc == 0) {
    /* Last year's: a visit dated after the day it is recorded is refused
     * (common/access_rules.h), whatever day the bench runs. */
    snprintf(buf, sizeof(buf), "2025-%02ld-%02ldT%02ld:%02ld", 1 + i % 12, 1 + i % 28,
             8 + i % 10, i % 60);
    rc = add_text(c, kd, "at", buf, hlc);
  }
  if (rc == 0)
    rc = add_text(c, kd, "place", "showroom, 2nd floor meeting room", hlc);
  if (rc == 0) {
    snprintf(buf, sizeof(buf), "Purchasing manager Wang %ld", i % 97);
    rc = add_text(c, kd, "person_met", buf, hlc);
  }
  if (rc == 0)
    rc = add_int(c, kd, "duration_min", 30 + i % 90, hlc);
  if (rc == 0)
    rc = add_text(c, kd, "method", fs__visit_methods[i % 3], hlc);
  if (rc == 0) {
    snprintf(buf, sizeof(buf),
             "Fleet renewal for 2026: %ld light trucks, financing over 36 months, "
             "delivery before the spring festival; compared our offer with two rivals.",
             4 + i % 20);
    rc = add_text(c, kd, "points", buf, hlc);
  }
  if (rc == 0)
    rc = add_text(c, kd, "customer_view",
                  "Likes the service network; price still 3% above the competitor.", hlc);
  if (rc == 0)
    rc = add_text(c, kd, "stage", fs__stages[i % 5], hlc);
  if (rc == 0)
    rc = add_text(c, kd, "attitude", fs__attitudes[i % 3], hlc);
  if (rc == 0)
    rc = add_text(c, kd, "next_step", "Send revised quotation and arrange a test drive.", hlc);
  if (rc == 0)
    rc = add_text(c, kd, "next_contact", "2026-04-10", hlc);
  if (rc == 0)
    rc = add_int(c, kd, "key_account", i % 2, hlc);
  return rc;
}

/* ---- central seeding ------------------------------------------------------- */

int bu_seed_central(bu_daemon *d, const char *staff, long ncust, long nvisits, long batch) {
  char path[BU_PATH_MAX + 32];
  fs_central *c = NULL;
  char (*ids)[33] = NULL;
  fs_change ch;
  fs_outcome oc;
  long in_txn = 0;
  int rc, open_txn = 0;

  if (ncust < 1)
    return FS_EINVAL;
  ids = calloc((size_t)ncust, sizeof(*ids));
  if (ids == NULL)
    return FS_ENOMEM;
  snprintf(path, sizeof(path), "%s/central.db", d->data);
  rc = fs__central_open(path, 0, &c);
  if (rc)
    goto out;
  /* Seeding only: the daemon restores its durability settings on open. */
  fs__db_exec(fs__central_db(c), "PRAGMA synchronous=OFF");
  fs__db_exec(fs__central_db(c), "PRAGMA cache_size=-65536");
  for (long i = 0; rc == 0 && i < ncust + nvisits; i++) {
    uint64_t hlc;
    if (!open_txn) {
      rc = fs__central_begin(c);
      if (rc)
        break;
      open_txn = 1;
      in_txn = 0;
    }
    hlc = fs__hlc_now(fs__central_hlc(c));
    if (i < ncust)
      rc = bu_gen_customer(&ch, staff, i, hlc);
    else
      rc = bu_gen_visit(&ch, staff, ids[(i - ncust) % ncust], i - ncust, hlc);
    if (rc == 0 && i < ncust)
      memcpy(ids[i], ch.id, 33);
    if (rc == 0)
      rc = fs__store_apply(fs__central_db(c), &ch, fs__central_next_seq(c), NULL, NULL, &oc);
    if (rc == 0)
      rc = fs__central_journal(c, ch.kind, ch.id, staff, FS_JOURNAL_ROW);
    fs__change_release(&ch);
    if (rc == 0 && ++in_txn >= batch) {
      rc = fs__central_commit(c);
      open_txn = 0;
    }
  }
  if (rc == 0 && open_txn)
    rc = fs__central_commit(c);
  else if (open_txn)
    fs__central_rollback(c);
out:
  fs__central_free(c);
  free(ids);
  return rc;
}

/* ---- raw baseline ----------------------------------------------------------- */

/* INSERT INTO <table>(id, owner, author, deleted, hlc, seq, clk, f...) for
 * exactly the fields of c, in order. */
static int raw_prepare(sqlite3 *db, const fs_change *c, sqlite3_stmt **st) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  char sql[2048];
  size_t n;

  n = (size_t)snprintf(sql, sizeof(sql),
                       "INSERT INTO \"%s\"(id, owner, author, deleted, hlc, seq, clk", kd->table);
  for (int i = 0; i < c->nfields && n < sizeof(sql); i++)
    n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", \"%s\"", kd->fields[c->fields[i].field].name);
  n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES(?,?,?,0,?,0,?");
  for (int i = 0; i < c->nfields && n < sizeof(sql); i++)
    n += (size_t)snprintf(sql + n, sizeof(sql) - n, ",?");
  if (n + 2 >= sizeof(sql))
    return FS_EINTERNAL;
  strcat(sql, ")");
  return fs__db_err(db, sqlite3_prepare_v2(db, sql, -1, st, NULL));
}

static int raw_row(sqlite3 *db, sqlite3_stmt *st, const fs_change *c) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  unsigned char clk[128 * 8];
  int rc;

  memset(clk, 0, (size_t)kd->nfields * 8);
  for (int i = 0; i < c->nfields; i++)
    for (int b = 0; b < 8; b++)
      clk[c->fields[i].field * 8 + b] = (unsigned char)(c->fields[i].hlc >> (8 * b));
  sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->owner, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->author, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)c->hlc);
  sqlite3_bind_blob(st, 5, clk, kd->nfields * 8, SQLITE_STATIC);
  for (int i = 0; i < c->nfields; i++) {
    const fs_value *v = &c->fields[i].value;
    if (v->type == FS_V_TEXT)
      sqlite3_bind_text(st, 6 + i, v->s, (int)v->len, SQLITE_STATIC);
    else if (v->type == FS_V_INT)
      sqlite3_bind_int64(st, 6 + i, v->i);
    else
      sqlite3_bind_null(st, 6 + i);
  }
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

int bu_raw_insert(const char *dir, const char *staff, long ncust, long nvisits, double *secs) {
  char path[BU_PATH_MAX + 32], (*ids)[33] = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *st[2] = {NULL, NULL};
  fs_hlc hlc;
  fs_change ch;
  double t0;
  int rc;

  *secs = 0;
  if (ncust < 1)
    return FS_EINVAL;
  ids = calloc((size_t)ncust, sizeof(*ids));
  if (ids == NULL)
    return FS_ENOMEM;
  fs__hlc_init(&hlc, 0);
  snprintf(path, sizeof(path), "%s/raw.db", dir);
  rc = fs__db_open(path, 1, FS_SCHEMA_CLIENT, &db);
  if (rc)
    goto out;
  t0 = bu_now();
  rc = fs__db_begin(db);
  for (long i = 0; rc == 0 && i < ncust + nvisits; i++) {
    int k = i < ncust ? 0 : 1;
    uint64_t h = fs__hlc_now(&hlc);
    if (k == 0)
      rc = bu_gen_customer(&ch, staff, i, h);
    else
      rc = bu_gen_visit(&ch, staff, ids[(i - ncust) % ncust], i - ncust, h);
    if (rc == 0 && k == 0)
      memcpy(ids[i], ch.id, 33);
    if (rc == 0 && st[k] == NULL)
      rc = raw_prepare(db, &ch, &st[k]);
    if (rc == 0)
      rc = raw_row(db, st[k], &ch);
    fs__change_release(&ch);
  }
  if (rc == 0)
    rc = fs__db_commit(db);
  else
    fs__db_rollback(db);
  *secs = bu_now() - t0;
out:
  sqlite3_finalize(st[0]);
  sqlite3_finalize(st[1]);
  fs__db_close(db);
  unlink(path);
  snprintf(path, sizeof(path), "%s/raw.db-wal", dir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/raw.db-shm", dir);
  unlink(path);
  free(ids);
  return rc;
}
