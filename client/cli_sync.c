/* cli_sync.c - the networked commands of the fieldsync CLI: enrollment
 * (init --token), sync [--watch], conflicts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fieldsync.h"
#include "json.h"
#include "strbuf.h"

static volatile int stop_flag;
static fs_replica *volatile syncing;  /* the replica on_interrupt cancels */
static volatile sig_atomic_t interrupted;

/* SIGTERM: a watch ends (a service manager stops it), quietly. */
static void on_stop(int sig) {
  (void)sig;
  stop_flag = 1;
}

/* The first Ctrl-C: the sync stops after the batch or page in hand
 * (fs_sync_cancel is async-signal-safe); the handler is reset, so a
 * second Ctrl-C ends the program at once. */
static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
  stop_flag = 1;
  if (syncing)
    fs_sync_cancel(syncing);
}

/* fs_replica_sync with Ctrl-C (on_interrupt) and SIGTERM (on_stop) caught
 * while it runs; then the default actions again.  Its return value. */
static int sync_interruptible(cli_ctx *c, const fs_sync_options *o, fs_sync_stats *s) {
  struct sigaction sa, old_int, old_term;
  int rc;

  memset(&sa, 0, sizeof(sa));
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_interrupt;
  sa.sa_flags = (int)SA_RESETHAND;
  syncing = c->r;
  sigaction(SIGINT, &sa, &old_int);
  sa.sa_handler = on_stop;
  sa.sa_flags = 0;
  sigaction(SIGTERM, &sa, &old_term);
  rc = fs_replica_sync(c->r, o, s);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  syncing = NULL;
  return rc;
}

int cli_enroll(cli_ctx *c, const char *token) {
  fs_identity id;
  int rc;

  rc = fs_replica_enroll(c->data, token, 15000, &id);
  if (rc) {
    fprintf(stderr, "fieldsync: enrollment failed: %s\n", fs_errmsg(NULL));
    return CLI_ERR;
  }
  if (c->json) {
    fs_json j;
    fs__json_init(&j, stdout);
    fs__json_begin_object(&j);
    fs__json_key(&j, "staff");
    fs__json_string(&j, id.staff);
    fs__json_key(&j, "role");
    fs__json_string(&j, fs_role_name(id.role));
    fs__json_key(&j, "device");
    fs__json_uint(&j, id.device_id);
    fs__json_key(&j, "slot");
    fs__json_int(&j, id.slot);
    fs__json_key(&j, "data");
    fs__json_string(&j, c->data);
    fs__json_end_object(&j);
    fs__json_finish(&j);
  } else {
    printf("enrolled device %llu for %s (%s), archive slot %d, data in %s\n"
           "next: fieldsync sync\n",
           (unsigned long long)id.device_id, id.staff, fs_role_name(id.role), id.slot, c->data);
  }
  return CLI_OK;
}

static int show_progress(void *arg, fs_sync_phase ph, const fs_sync_stats *s) {
  const char *phase = fs_sync_phase_name(ph);
  (void)arg;
  if (!isatty(STDERR_FILENO))
    return 0;
  fprintf(stderr, "\r%-5s pushed %llu, pulled %llu, removed %llu, %.1f KiB in, %.1f KiB out   ",
          phase, (unsigned long long)s->pushed, (unsigned long long)s->pulled,
          (unsigned long long)s->removed, (double)s->bytes_received / 1024.0,
          (double)s->bytes_sent / 1024.0);
  if (ph == FS_SYNC_DONE)
    fputc('\n', stderr);
  return 0;
}

static void print_summary(cli_ctx *c, const fs_sync_stats *s, int rc, const char *err) {
  if (c->json) {
    const struct {
      const char *key;
      uint64_t v;
    } n[] = {{"pushed", s->pushed},         {"applied", s->applied},
             {"merged", s->merged},         {"superseded", s->superseded},
             {"rejected", s->rejected},     {"pulled", s->pulled},
             {"removed", s->removed},       {"conflicts", s->conflicts},
             {"bytes_sent", s->bytes_sent}, {"bytes_received", s->bytes_received}};
    fs_json j;
    fs__json_init(&j, stdout);
    fs__json_begin_object(&j);
    fs__json_key(&j, "ok");
    fs__json_bool(&j, rc == 0);
    for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
      fs__json_key(&j, n[i].key);
      fs__json_uint(&j, n[i].v);
    }
    fs__json_key(&j, "wiped");
    fs__json_bool(&j, s->wiped);
    if (rc) {
      fs__json_key(&j, "error");
      fs__json_string(&j, err);
    }
    fs__json_end_object(&j);
    fs__json_finish(&j);
    fflush(stdout);
    return;
  }
  /* After a failure the error says it all, unless some work got through
   * first: then say how far the sync came. */
  if ((rc && s->pushed == 0 && s->pulled == 0 && s->removed == 0) || interrupted)
    return; /* sync_outcome says how far an interrupted sync came */
  printf("%s: pushed %llu (applied %llu, merged %llu, superseded %llu, rejected %llu), "
         "pulled %llu, removed %llu, conflicts %llu\n",
         rc ? "sync stopped after" : "synced", (unsigned long long)s->pushed, (unsigned long long)s->applied,
         (unsigned long long)s->merged, (unsigned long long)s->superseded,
         (unsigned long long)s->rejected, (unsigned long long)s->pulled,
         (unsigned long long)s->removed, (unsigned long long)s->conflicts);
  if (s->rejected)
    printf("%llu change(s) rejected: see `fieldsync outbox --rejected`\n",
           (unsigned long long)s->rejected);
  fflush(stdout);
}

static void on_live(void *arg, const fs_sync_stats *s) {
  cli_ctx *c = arg;
  print_summary(c, s, 0, NULL);
}

/* Names one path a wipe left behind. */
static void on_leftover(void *arg, const char *path, const char *why) {
  (*(int *)arg)++;
  fprintf(stderr, "fieldsync: not erased: %s (%s)\n", path, why);
}

/* Ctrl-C stopped the sync: what it did and that nothing is lost, in one
 * sentence.  CLI_INTERRUPTED. */
static int say_interrupted(cli_ctx *c, const fs_sync_stats *s) {
  uint64_t pending = 0, rejected = 0;
  char rest[160];

  if (fs_outbox_count(c->r, &pending, &rejected) == 0 && pending > 0)
    snprintf(rest, sizeof(rest),
             "the %llu change(s) not sent stay in the outbox for the next sync",
             (unsigned long long)pending);
  else
    snprintf(rest, sizeof(rest), "nothing is lost; run fieldsync sync to finish");
  fprintf(stderr, "fieldsync: sync interrupted: %llu change(s) sent, %llu record(s) received; %s\n",
          (unsigned long long)s->pushed, (unsigned long long)s->pulled, rest);
  return CLI_INTERRUPTED;
}

/* The daemon ordered this replica erased (s->wiped): the whole data
 * directory goes (fs_replica_erase says what "fieldsync's" means); what
 * cannot go is named, and then the device is not "erased".  CLI_ERR. */
static int erase_ordered(cli_ctx *c, const char *why) {
  int left = 0, wrc = fs_replica_erase(c->r, on_leftover, &left);

  c->r = NULL;
  if (wrc == 0)
    fprintf(stderr,
            "fieldsync: %s; the data directory %s has been erased; to work on "
            "this device again, ask your manager for a new enrollment token and run: "
            "fieldsync init --token TOKEN\n",
            why, c->data);
  else
    fprintf(stderr,
            "fieldsync: %s; the replica and the device key were removed, but %d path(s) "
            "listed above remain in %s: they may hold customer data, check and remove them "
            "by hand\n",
            why, left, c->data);
  return CLI_ERR;
}

/* Says how fs_replica_sync (rc, counts s) ended; the exit code. */
static int sync_outcome(cli_ctx *c, int rc, const fs_sync_stats *s) {
  char err[FS_ERRMSG_MAX];
  fs_identity id;

  /* Copied: fs_replica_erase frees the replica and its message. */
  snprintf(err, sizeof(err), "%s", rc ? fs_errmsg(c->r) : "");
  print_summary(c, s, rc, err);
  if (s->wiped)
    return erase_ordered(c, err);
  if (interrupted && (rc == 0 || rc == FS_ECANCELED))
    return say_interrupted(c, s);
  if (rc == 0)
    return CLI_OK;
  fprintf(stderr, "fieldsync: sync failed: %s\n", err);
  /* A revoked device (not ordered erased): it may not sync again; a new
   * enrollment is the way back. */
  if (rc == FS_EREVOKED && fs_replica_identity(c->r, &id) == 0)
    fprintf(stderr,
            "next: this device was revoked by the central office; ask your manager for a "
            "new enrollment token (fieldsyncd enroll %s) and set up a new data directory "
            "with it: fieldsync --data NEW-DIRECTORY init --token TOKEN\n",
            id.staff);
  return CLI_ERR;
}

int cli_cmd_sync(cli_ctx *c, int argc, char **argv) {
  uint32_t o_page = 0;
  fs_sync_options o;
  fs_sync_stats s;
  const char *addr = NULL, *page = NULL, *timeout = NULL;
  int watch = 0, rc, o_timeout = 0;
  cli_opt opts[] = {{"--watch", 0, NULL, &watch},
                    {"--addr", 1, &addr, NULL},
                    {"--page", 1, &page, NULL},
                    {"--timeout", 1, &timeout, NULL},
                    {NULL, 0, NULL, NULL}};
  cli_args a;

  memset(&a, 0, sizeof(a));
  a.opts = opts;
  rc = cli_parse(c, argc, argv, &a);
  if (rc)
    return rc;
  if (page) {
    char *end = NULL;
    unsigned long v = (page[0] >= '0' && page[0] <= '9') ? strtoul(page, &end, 10) : 0;
    if (end == NULL || *end != '\0' || v < 1 || v > FS_SYNC_PAGE_MAX) {
      char msg[80];
      snprintf(msg, sizeof(msg), "--page takes a number of rows from 1 to %d, not", FS_SYNC_PAGE_MAX);
      return cli_usage_error(c, msg, page);
    }
    o_page = (uint32_t)v;
  }
  if (timeout) {
    /* Seconds to wait for the daemon at each step (connect, each answer). */
    char *end = NULL;
    unsigned long v =
        (timeout[0] >= '0' && timeout[0] <= '9') ? strtoul(timeout, &end, 10) : 0;
    if (end == NULL || *end != '\0' || v < 1 || v > 3600)
      return cli_usage_error(c, "--timeout takes a number of seconds from 1 to 3600, not",
                             timeout);
    o_timeout = (int)v * 1000;
  }
  if (cli_open(c) != CLI_OK)
    return CLI_ERR;
  memset(&o, 0, sizeof(o));
  o.addr = addr;
  o.timeout_ms = o_timeout;
  o.page = o_page;
  o.progress = show_progress;
  o.progress_arg = c;
  o.watch = watch;
  o.stop = &stop_flag;
  o.on_change = on_live;
  rc = sync_interruptible(c, &o, &s);
  return sync_outcome(c, rc, &s);
}

/* The listing of `conflicts`: a cli_list (JSON, CSV or the table); open
 * items only unless `all`. */
typedef struct conflicts_out {
  cli_list l;
  int n, all;
} conflicts_out;

static const char *const conflict_states[] = {"open", "accepted", "dismissed", "resolved"};

static void conflict_json(fs_json *j, const fs_conflict *it, const char *state) {
  const char *const texts[][2] = {
      {"kind", it->kind},
      {"id", it->id},
      {"customer_archive", it->customer_archive[0] ? it->customer_archive : NULL},
      {"customer_name", it->customer_name[0] ? it->customer_name : NULL},
      {"field", it->field},
      {"field_label", it->field_label},
      {"kept", it->kept},
      {"lost", it->lost},
      {"lost_by", it->lost_by[0] ? it->lost_by : NULL},
      {"kept_by", it->kept_by[0] ? it->kept_by : NULL},
      {"fenced", it->fenced[0] ? it->fenced : NULL},
      {"state", state},
      {"resolved", strcmp(state, "open") ? state : NULL}};

  fs__json_begin_object(j);
  fs__json_key(j, "n");
  fs__json_int(j, it->n);
  for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
    fs__json_key(j, texts[k][0]);
    fs__json_string(j, texts[k][1]);
  }
  fs__json_key(j, "lost_mine");
  fs__json_bool(j, it->lost_mine);
  fs__json_key(j, "kept_mine");
  fs__json_bool(j, it->kept_mine);
  fs__json_key(j, "at");
  fs__json_time(j, it->at);
  fs__json_end_object(j);
}

static void writer_text(char *out, size_t cap, const char *who, int mine) {
  if (who[0])
    snprintf(out, cap, "%s (%s)", who, mine ? "you" : "daemon");
  else
    snprintf(out, cap, "?");
}

static int conflict_row(void *arg, const fs_conflict *it) {
  conflicts_out *o = arg;
  const char *state = conflict_states[it->state <= FS_CONFLICT_RESOLVED ? it->state : 0];
  char nbuf[24], when[64], cust[320], label[64], by[48], kby[48], note[160];
  const char *slash;

  if (it->state != FS_CONFLICT_OPEN && !o->all)
    return 0;
  o->n++;
  if (o->l.c->json) {
    conflict_json(&o->l.j, it, state);
    return 0;
  }
  snprintf(nbuf, sizeof(nbuf), "%lld", (long long)it->n);
  fs__table_time_text(when, it->at); /* the one time rule (date.h) */
  if (it->customer_archive[0])
    snprintf(cust, sizeof(cust), "%s %s", it->customer_archive, it->customer_name);
  else
    snprintf(cust, sizeof(cust), "(%s %.16s)", fs_kind_label(it->kind), it->id);
  /* The label's English part ("name / 名称" -> "name"). */
  slash = strstr(it->field_label, " / ");
  snprintf(label, sizeof(label), "%.*s",
           slash ? (int)(slash - it->field_label) : (int)strlen(it->field_label),
           it->field_label);
  /* Who wrote each value: you (this device's user) or someone whose value
   * came through the daemon; "?" if the daemon does not know. */
  writer_text(by, sizeof(by), it->lost_by, it->lost_mine);
  writer_text(kby, sizeof(kby), it->kept_by, it->kept_mine);
  if (it->fenced[0])
    snprintf(note, sizeof(note), "arrived after the handover from %s's device: %s",
             it->fenced,
             strcmp(state, "open") ? state
                                   : "not applied; fieldsync conflicts accept|dismiss N");
  else
    snprintf(note, sizeof(note), "%s", state);
  {
    const char *cells[] = {nbuf, when, cust, label, it->kept, kby, it->lost, by, note};
    return fs__table_add(o->l.t, cells);
  }
}

int cli_cmd_conflicts(cli_ctx *c, int argc, char **argv) {
  static const char *const heads[] = {"n",    "when",    "customer", "field", "kept",
                                      "kept by", "lost", "lost by",  "state"};
  static const int drop[] = {0, 3, 2, 0, 0, 5, 0, 4, 1};
  conflicts_out o;
  cli_opt opts[] = {{"--all", 0, NULL, &o.all}, {NULL, 0, NULL, NULL}};
  cli_args a;
  int rc, summary;

  memset(&o, 0, sizeof(o));
  memset(&a, 0, sizeof(a));
  a.opts = opts;
  rc = cli_parse(c, argc, argv, &a);
  if (rc)
    return rc;
  if (cli_open(c) != CLI_OK)
    return CLI_ERR;
  rc = cli_list_begin(&o.l, c, 9, heads, drop);
  if (rc == 0)
    rc = cli_list_end(&o.l, fs_conflict_list(c->r, conflict_row, &o), &summary);
  if (rc)
    return cli_fail(c, rc, "conflicts");
  if (summary)
    printf("(%d %s%s)\n", o.n, o.all ? "" : "open ", o.n == 1 ? "item" : "items");
  return CLI_OK;
}

/* conflicts accept|dismiss|resolve N */
static int conflict_act(cli_ctx *c, int argc, char **argv, fs_conflict_state how) {
  static const char *const cmds[] = {"", "conflicts accept", "conflicts dismiss",
                                     "conflicts resolve"};
  cli_args a;
  char *end = NULL;
  long long num;
  int rc;

  memset(&a, 0, sizeof(a));
  a.minpos = a.maxpos = 1;
  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  num = strtoll(a.pos[0], &end, 10);
  if (end == a.pos[0] || *end != '\0' || num <= 0)
    return cli_usage_error(c, "not an item number (see fieldsync conflicts)", a.pos[0]);
  rc = how == FS_CONFLICT_ACCEPTED    ? fs_conflict_accept(c->r, num)
       : how == FS_CONFLICT_DISMISSED ? fs_conflict_dismiss(c->r, num)
                                      : fs_conflict_resolve(c->r, num);
  if (rc)
    return cli_fail(c, rc, cmds[how]);
  if (c->json)
    printf("{\"n\":%lld,\"resolved\":\"%s\"}\n", num, conflict_states[how]);
  else
    printf("item %lld %s%s\n", num, conflict_states[how],
           how == FS_CONFLICT_ACCEPTED ? "; it goes to the daemon at the next sync" : "");
  return CLI_OK;
}

int cli_cmd_conflict_accept(cli_ctx *c, int argc, char **argv) {
  return conflict_act(c, argc, argv, FS_CONFLICT_ACCEPTED);
}

int cli_cmd_conflict_dismiss(cli_ctx *c, int argc, char **argv) {
  return conflict_act(c, argc, argv, FS_CONFLICT_DISMISSED);
}

int cli_cmd_conflict_resolve(cli_ctx *c, int argc, char **argv) {
  return conflict_act(c, argc, argv, FS_CONFLICT_RESOLVED);
}
