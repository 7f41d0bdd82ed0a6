/* main.c - the fieldsyncd command line: a table of subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "admin.h"
#include "admin_call.h"
#include "backup_cmd.h"
#include "cli_doc.h"
#include "cmdline.h"
#include "config.h"
#include "frame.h"
#include "fs_errno.h"
#include "fs_version.h"
#include "keys.h"
#include "log.h"
#include "modeldoc.h"
#include "msg.h"
#include "privdir.h"
#include "report_cmd.h"
#include "restore_cmd.h"
#include "store/serials.h"
#include "seed.h"
#include "server.h"
#include "store/central.h"
#include "suggest.h"
#include "term.h"
#include "utf8.h"
#include "validate.h"
#include "verify_cmd.h"

/* The one exit-code rule of both programs: common/cmdline.h. */
#define EXIT_OK FS_EXIT_OK
#define EXIT_ERR FS_EXIT_ERR
#define EXIT_USAGE FS_EXIT_USAGE

typedef struct cli {
  const char *data;
  int json;
  int csv;      /* global --csv: report's --csv, a listing's CSV */
  int no_pager; /* --no-pager */
  int width;    /* display columns a listing fits (fs__term_width), 0: whole */
  fs_config cfg;
} cli;

/* Synopses shared by the command table (help) and the usage errors. */
#define STAFF_USAGE                                                                       \
  "staff add CODE --name NAME --role rep|manager|admin|after_sales [--manager CODE] | "   \
  "staff list | "                                                                         \
  "staff show CODE | staff edit CODE [--name NAME] [--role ROLE] [--manager CODE]"
#define PERSON_USAGE                                                                       \
  "person export --customer ARCHIVE_NO|ID [--contact ID] | person erase --customer "     \
  "ARCHIVE_NO|ID [--contact ID] [--reason TEXT] [--dry-run]"

/* The usage and summary of each command are in cli_doc.c. */
typedef struct subcmd {
  const char *name;
  int (*fn)(cli *c, int argc, char **argv);
} subcmd;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int usage_error(const char *usage, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "fieldsyncd: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: fieldsyncd %s\n(see fieldsyncd %.*s --help)\n", usage,
          (int)strcspn(usage, " "), usage);
  return EXIT_USAGE;
}

/* "unknown option --x; did you mean --y?" (cli_doc.h) as a usage error. */
static int unknown_option(const char *usage, const char *arg, const char *const *a,
                          const char *const *b, const char *const *c3) {
  char msg[160];
  return usage_error(usage, "%s",
                     fs__daemon_unknown_option(msg, sizeof(msg), arg, a, b, c3));
}

static int is_help(const char *a) {
  return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
}

/* 1 if the arguments after a command ask for its help: --help anywhere
 * (`report visits --help`, `staff add --help`), or -h / help right after
 * the command.  Asked before anything else: no store, no data directory,
 * no configuration is needed to read a command's usage. */
static int wants_help(int argc, char **argv) {
  if (argc > 0 && is_help(argv[0]))
    return 1;
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0)
      return 1;
  return 0;
}

/* Prints why a step failed, once: the reason the library logged (the log
 * of an admin command prints nothing unless FIELDSYNC_LOG asks), else
 * what (the command in words, "staff list") and fs_strerror(rc). */
static void say_failure(const char *what, int rc) {
  char words[64];

  if (fs__log_last()[0]) {
    fprintf(stderr, "fieldsyncd: %s\n", fs__log_last());
    return;
  }
  if (what == NULL) {
    fprintf(stderr, "fieldsyncd: %s\n", fs_strerror(rc));
    return;
  }
  /* "staff.list" is the wire name; people type "staff list". */
  snprintf(words, sizeof(words), "%s", what);
  for (char *p = words; *p; p++)
    if (*p == '.')
      *p = ' ';
  fprintf(stderr, "fieldsyncd: %s failed: %s\n", words, fs_strerror(rc));
}

/* The data directory (it also holds admin.sock) and the files an older
 * fieldsyncd made 0644 are made private before any command reads them;
 * central.db and its -wal/-shm are checked when opened (db.c).  A missing
 * directory is left to the command, which says what to run. */
static int data_dir_private(const char *dir) {
  static const char *const files[] = {"fieldsyncd.conf", "daemon.key.pub",
                                      "central.db.lock"};
  char path[PATH_MAX];
  int rc;

  fs__log_forget();
  rc = fs__privdir_check(dir, 0);
  if (rc == FS_ENOTFOUND)
    return 0;
  for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
    rc = fs__privfile_fix(path, 0);
  }
  if (rc)
    say_failure(NULL, rc);
  return rc;
}

static int load_config(cli *c) {
  char path[PATH_MAX], err[512];
  int rc;

  fs__config_defaults(&c->cfg);
  snprintf(path, sizeof(path), "%s/fieldsyncd.conf", c->data);
  rc = fs__config_load(&c->cfg, path, err, sizeof(err));
  if (rc == FS_ENOTFOUND)
    return 0;
  if (rc) {
    fprintf(stderr, "fieldsyncd: %s\n", rc == FS_EINVAL ? err : fs_strerror(rc));
    return rc;
  }
  if (!fs__log_get_plain()) /* serve: the configured level */
    fs__log_set_level((fs_log_level)fs__log_parse_level(c->cfg.log_level));
  return 0;
}

/* ---- init ----------------------------------------------------------- */

static int cmd_init(cli *c, int argc, char **argv) {
  char path[PATH_MAX];
  fs_keypair *kp = NULL;
  fs_central *central = NULL;
  char pub[FS_KEY_B64_LEN + 1];
  int rc, year_digits = 2;

  /* Issue 14: the width of the year in archive numbers is the store's, set
   * once here (store/serials.h). */
  if (argc == 2 && strcmp(argv[0], "--archive-year") == 0 &&
      (strcmp(argv[1], "2") == 0 || strcmp(argv[1], "4") == 0))
    year_digits = atoi(argv[1]);
  else if (argc > 0)
    return usage_error("init --data DIR [--archive-year 2|4]",
                       "unexpected argument \"%s\"", argv[0]);
  if (fs__privdir_check(c->data, 1) != 0)
    return EXIT_ERR; /* the message says why */
  snprintf(path, sizeof(path), "%s/daemon.key", c->data);
  if (access(path, F_OK) == 0) {
    fprintf(stderr, "fieldsyncd: %s already holds a daemon (daemon.key exists); refusing to "
                    "overwrite it\n",
            c->data);
    return EXIT_ERR;
  }
  rc = fs__keypair_generate(&kp);
  if (rc == 0)
    rc = fs__keypair_save(kp, path);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot write the daemon key %s: %s\n", path, fs_strerror(rc));
    goto out;
  }
  snprintf(path, sizeof(path), "%s/central.db", c->data);
  rc = fs__central_open(path, 1, &central);
  if (rc == 0)
    rc = fs__serials_set_year_digits(central, year_digits);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot create the central store %s: %s\n", path,
            fs_strerror(rc));
    goto out;
  }
  snprintf(path, sizeof(path), "%s/fieldsyncd.conf", c->data);
  fs__config_write_default(&c->cfg, path);
  fs__key_to_text(kp->pub, pub);
  printf("initialised %s\n  central store  %s/central.db\n  config         %s\n"
         "  public key     %s\nnext: fieldsyncd staff add CODE --name NAME --role admin --data "
         "%s\n",
         c->data, c->data, path, pub, c->data);
out:
  fs__central_free(central);
  fs__keypair_free(kp);
  return rc ? EXIT_ERR : EXIT_OK;
}

/* ---- serve ---------------------------------------------------------- */

static fs_server *the_server;

static uv_signal_t sig_int, sig_term;

static void on_signal(uv_signal_t *h, int signum) {
  (void)h;
  FS_INFO("received %s, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
  fs__server_stop(the_server);
  /* Both signal handles keep the loop alive: close both. */
  if (!uv_is_closing((uv_handle_t *)&sig_int))
    uv_close((uv_handle_t *)&sig_int, NULL);
  if (!uv_is_closing((uv_handle_t *)&sig_term))
    uv_close((uv_handle_t *)&sig_term, NULL);
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static int cmd_serve(cli *c, int argc, char **argv) {
  uv_loop_t loop;
  fs_server *s = NULL;
  int rc;

  for (int i = 0; i < argc; i++) {
    char err[256];
    if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
      if (fs__config_set(&c->cfg, "listen", argv[++i], err, sizeof(err)))
        return usage_error("serve --data DIR [--listen HOST:PORT]", "%s", err);
    } else {
      return unknown_option("serve [--listen HOST:PORT]", argv[i],
                            (const char *const[]){"listen", NULL}, NULL, NULL);
    }
  }
  signal(SIGPIPE, SIG_IGN);
  uv_loop_init(&loop);
  rc = fs__server_init(&s, &loop, &c->cfg, c->data);
  if (rc == 0)
    rc = fs__server_start(s);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot serve: %s\n",
            rc == FS_EBUSY ? "the data directory is in use by another fieldsyncd"
                           : fs_strerror(rc));
    if (s) {
      fs__server_stop(s);
      uv_walk(&loop, close_walk, NULL);
      uv_run(&loop, UV_RUN_DEFAULT);
      fs__server_free(s);
    }
    uv_loop_close(&loop);
    return EXIT_ERR;
  }
  the_server = s;
  uv_signal_init(&loop, &sig_int);
  uv_signal_init(&loop, &sig_term);
  uv_signal_start(&sig_int, on_signal, SIGINT);
  uv_signal_start(&sig_term, on_signal, SIGTERM);
  /* Tests and scripts wait for this line. */
  printf("fieldsyncd listening on port %d\n", fs__server_port(s));
  fflush(stdout);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_walk(&loop, close_walk, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  fs__server_free(s);
  uv_loop_close(&loop);
  FS_INFO("stopped");
  return EXIT_OK;
}

/* ---- admin commands: via the running daemon, else directly ----------- */

/* An admin command's arguments as the command line gave them. */
typedef struct admin_args {
  fs_admin_arg v[FS_MSG_MAX_ARGS];
  uint32_t n;
  char *custs[256]; /* transfer's repeatable --customer */
  uint32_t ncust;
} admin_args;

/* Sorts argv into a: "--key value" options of flags, "--flag" options of
 * bools, positional arguments to the keys in pos[].  0 or EXIT_USAGE (the
 * message printed). */
static int admin_args_parse(admin_args *a, const char *cmd, const char *usage,
                            const char *const *pos, const char *const *flags,
                            const char *const *bools, int argc, char **argv) {
  int npos = 0;

  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    int matched = 0;
    if (a->n + 1 >= FS_MSG_MAX_ARGS)
      return usage_error(usage, "too many arguments");
    if (strncmp(arg, "--", 2) != 0) {
      if (pos == NULL || pos[npos] == NULL)
        return usage_error(usage, "unexpected argument \"%s\"", arg);
      a->v[a->n].key = (char *)pos[npos++];
      a->v[a->n].type = FS_ARG_STR;
      a->v[a->n++].s = (char *)arg;
      continue;
    }
    for (int k = 0; bools && bools[k]; k++) {
      if (strcmp(arg + 2, bools[k]) == 0) {
        a->v[a->n].key = (char *)bools[k];
        a->v[a->n].type = FS_ARG_BOOL;
        a->v[a->n++].i = 1;
        matched = 1;
      }
    }
    if (strcmp(arg + 2, "customer") == 0 && strcmp(cmd, "transfer") == 0) {
      /* Repeatable: --customer ID ... becomes one list argument. */
      if (i + 1 >= argc)
        return usage_error(usage, "%s needs a value", arg);
      if (a->ncust == 256)
        return usage_error(usage, "at most 256 --customer options");
      a->custs[a->ncust++] = argv[++i];
      continue;
    }
    for (int k = 0; !matched && flags && flags[k]; k++) {
      if (strcmp(arg + 2, flags[k]) == 0) {
        if (i + 1 >= argc)
          return usage_error(usage, "%s needs a value", arg);
        a->v[a->n].key = (char *)flags[k];
        a->v[a->n].type = FS_ARG_STR;
        a->v[a->n++].s = argv[++i];
        matched = 1;
      }
    }
    if (!matched) {
      static const char *const cust[] = {"customer", NULL};
      return unknown_option(usage, arg, flags, bools,
                            strcmp(cmd, "transfer") ? NULL : cust);
    }
  }
  if (pos && pos[npos] && pos[npos][0] != '?')
    return usage_error(usage, "missing %s", pos[npos]);
  return 0;
}

/* Refuses what the daemon would refuse (admin.c): every string argument is
 * single-line text without control characters; numbers where the command
 * wants them.  Appends the --customer list.  0, EXIT_ERR or EXIT_USAGE. */
static int admin_args_check(admin_args *a, const char *usage) {
  char err[300];

  for (uint32_t i = 0; i < a->n; i++) {
    if (a->v[i].type == FS_ARG_STR &&
        fs__validate_line(a->v[i].key, a->v[i].s, err, sizeof(err))) {
      fprintf(stderr, "fieldsyncd: %s\n", err);
      return EXIT_ERR;
    }
  }
  for (uint32_t i = 0; i < a->ncust; i++) {
    if (fs__validate_line("customer", a->custs[i], err, sizeof(err))) {
      fprintf(stderr, "fieldsyncd: %s\n", err);
      return EXIT_ERR;
    }
  }
  for (uint32_t i = 0; i < a->n; i++) {
    const char *k = a->v[i].key;
    char *end;
    long long v;
    if (a->v[i].type != FS_ARG_STR ||
        (strcmp(k, "device") != 0 && strcmp(k, "hours") != 0 && strcmp(k, "days") != 0 &&
         strcmp(k, "keep-days") != 0 && strcmp(k, "id") != 0))
      continue;
    v = strtoll(a->v[i].s, &end, 10);
    if (*end || end == a->v[i].s)
      return usage_error(usage, "%s must be a number", k);
    a->v[i].type = FS_ARG_INT;
    a->v[i].i = v;
  }
  if (a->ncust) {
    a->v[a->n].key = "customer";
    a->v[a->n].type = FS_ARG_LIST;
    a->v[a->n].list = a->custs;
    a->v[a->n++].nlist = a->ncust;
  }
  return 0;
}

/* Runs an admin command built from "--key value" options; positional
 * arguments go to the keys in pos[]. */
static int run_admin(cli *c, const char *cmd, const char *usage, const char *const *pos,
                     const char *const *flags, const char *const *bools, int argc,
                     char **argv) {
  admin_args a;
  fs_msg req, res;
  int rc, said;

  memset(&a, 0, sizeof(a));
  memset(&res, 0, sizeof(res));
  rc = admin_args_parse(&a, cmd, usage, pos, flags, bools, argc, argv);
  if (rc == 0)
    rc = admin_args_check(&a, usage);
  if (rc)
    return rc;
  fs__msg_init(&req, FS_MSG_ADMIN);
  req.u.admin.cmd = (char *)cmd;
  req.u.admin.args = a.v;
  req.u.admin.nargs = a.n;
  rc = fs__admin_call(c->data, &c->cfg, &req, &res, &said);
  if (rc) {
    if (!said)
      say_failure(cmd, rc);
    fs__msg_release(&res);
    return EXIT_ERR;
  }
  /* Human text reaches the terminal through the one sanitiser
   * (common/utf8.h), whatever the daemon (maybe an older one) sent. */
  if (!res.u.admin_result.ok) {
    fprintf(stderr, "fieldsyncd: ");
    fs__print_text(stderr, res.u.admin_result.text, -1);
    fputc('\n', stderr);
    rc = res.u.admin_result.code == FS_EUSAGE ? EXIT_USAGE : EXIT_ERR;
  } else {
    /* A listing is rendered here, for this terminal (issue 15). */
    rc = fs__admin_print(stdout, &res.u.admin_result,
                         c->json  ? FS_ADMIN_JSON
                         : c->csv ? FS_ADMIN_CSV
                                  : FS_ADMIN_TEXT,
                         c->width);
    if (rc == FS_EUSAGE)
      fprintf(stderr, "fieldsyncd %s: the daemon sent no listing to write as CSV (an older "
                      "fieldsyncd?); use --json\n",
              cmd);
    else if (rc)
      say_failure(cmd, rc);
    rc = rc ? EXIT_ERR : EXIT_OK;
  }
  fs__msg_release(&res);
  return rc;
}

/* "unknown staff subcommand"; suggests the nearest (cli_doc.h). */
static int unknown_sub(const char *usage, const char *group, const char *word) {
  char msg[160];
  return usage_error(usage, "%s", fs__daemon_unknown_sub(msg, sizeof(msg), group, word));
}

static int cmd_staff(cli *c, int argc, char **argv) {
  static const char *const add_pos[] = {"code", NULL};
  static const char *const add_flags[] = {"name", "role", "manager", NULL};
  static const char *const show_pos[] = {"code", NULL};
  static const char *const edit_flags[] = {"name", "role", "manager", "reason", NULL};
  const char *usage = STAFF_USAGE;

  if (argc < 1)
    return usage_error(usage, "staff needs a subcommand");
  if (strcmp(argv[0], "add") == 0)
    return run_admin(c, "staff.add", usage, add_pos, add_flags, NULL, argc - 1, argv + 1);
  if (strcmp(argv[0], "list") == 0)
    return run_admin(c, "staff.list", usage, NULL, NULL, NULL, argc - 1, argv + 1);
  if (strcmp(argv[0], "show") == 0)
    return run_admin(c, "staff.show", usage, show_pos, NULL, NULL, argc - 1, argv + 1);
  if (strcmp(argv[0], "edit") == 0)
    return run_admin(c, "staff.edit", usage, show_pos, edit_flags, NULL, argc - 1, argv + 1);
  return unknown_sub(usage, "staff", argv[0]);
}

static int cmd_enroll(cli *c, int argc, char **argv) {
  static const char *const pos[] = {"code", NULL};
  static const char *const flags[] = {"hours", NULL};
  return run_admin(c, "enroll", "enroll CODE [--hours N]", pos, flags, NULL, argc, argv);
}

static int cmd_devices(cli *c, int argc, char **argv) {
  return run_admin(c, "devices", "devices", NULL, NULL, NULL, argc, argv);
}

static int cmd_serials(cli *c, int argc, char **argv) {
  static const char *const bools[] = {"unused", NULL};
  return run_admin(c, "serials", "serials [--unused]", NULL, NULL, bools, argc, argv);
}

static int cmd_revoke(cli *c, int argc, char **argv) {
  static const char *const pos[] = {"device", NULL};
  static const char *const flags[] = {"reason", NULL};
  static const char *const bools[] = {"wipe", NULL};
  return run_admin(c, "revoke", "revoke DEVICE [--wipe] [--reason TEXT]", pos, flags, bools,
                   argc, argv);
}

static int cmd_audit(cli *c, int argc, char **argv) {
  static const char *const flags[] = {"staff", "customer", NULL};
  return run_admin(c, "audit", "audit [--staff CODE] [--customer ID]", NULL, flags, NULL, argc,
                   argv);
}

static int cmd_history(cli *c, int argc, char **argv) {
  static const char *const pos[] = {"record", NULL};
  return run_admin(c, "history", "history ARCHIVE_NO|ID", pos, NULL, NULL, argc, argv);
}

/* A command that hands records over (depart, transfer; cmdline.h): without
 * --dry-run it runs only after the dry run's impact was shown and the
 * admin said yes on the terminal, or with --yes (-y, never sent to the
 * daemon).  Not on a terminal without --yes: a usage error. */
static int run_confirmed(cli *c, const char *cmd, const char *usage, const char *const *pos,
                         const char *const *flags, const char *const *bools, int argc,
                         char **argv) {
  char **args = calloc((size_t)argc + 2, sizeof(*args)), question[128];
  int n = 0, yes = 0, dry = 0, rc;
  admin_args a;

  if (args == NULL)
    return EXIT_ERR;
  for (int i = 0; i < argc; i++) {
    if (fs__cmdline_is_yes(argv[i])) {
      yes = 1;
      continue;
    }
    dry |= strcmp(argv[i], "--dry-run") == 0;
    args[n++] = argv[i];
  }
  if (dry || yes) {
    rc = run_admin(c, cmd, usage, pos, flags, bools, n, args);
    goto out;
  }
  /* A wrong command line says so before anything is asked. */
  memset(&a, 0, sizeof(a));
  rc = admin_args_parse(&a, cmd, usage, pos, flags, bools, n, args);
  if (rc == 0)
    rc = admin_args_check(&a, usage);
  if (rc == 0 && !fs__cmdline_can_ask())
    rc = fs__cmdline_need_yes("fieldsyncd", cmd, "--dry-run");
  if (rc)
    goto out;
  args[n] = "--dry-run"; /* the impact first: what would change */
  rc = run_admin(c, cmd, usage, pos, flags, bools, n + 1, args);
  if (rc != EXIT_OK)
    goto out;
  snprintf(question, sizeof(question), "%s: do this for real?", cmd);
  if (!fs__cmdline_confirm(question)) {
    fprintf(stderr, "fieldsyncd %s: nothing changed\n", cmd);
    rc = EXIT_ERR;
    goto out;
  }
  rc = run_admin(c, cmd, usage, pos, flags, bools, n, args);
out:
  free(args);
  return rc;
}

static int cmd_depart(cli *c, int argc, char **argv) {
  static const char *const pos[] = {"code", NULL};
  static const char *const flags[] = {"successor", "reason", NULL};
  static const char *const bools[] = {"dry-run", NULL};
  return run_confirmed(c, "depart",
                       "depart CODE [--successor CODE] [--reason TEXT] [--dry-run] [--yes]",
                       pos, flags, bools, argc, argv);
}

static int cmd_transfer(cli *c, int argc, char **argv) {
  static const char *const flags[] = {"from", "to", "reason", NULL};
  static const char *const bools[] = {"dry-run", NULL};
  return run_confirmed(c, "transfer",
                       "transfer --from CODE --to CODE [--customer ID ...] [--reason TEXT] "
                       "[--dry-run] [--yes]",
                       NULL, flags, bools, argc, argv);
}

#define COVER_USAGE                                                                      \
  "cover CODE --by CODE --from YYYY-MM-DD --to YYYY-MM-DD [--reason TEXT] | cover list "  \
  "[--all] | cover end ID"
#define LEND_USAGE                                                                       \
  "lend CUSTOMER --to CODE --days N [--reason TEXT] | lend list [--all] | lend end ID"

/* cover|lend list [--all] and cover|lend end ID (admin_cover.c); 0 if
 * argv names neither (*done 0). */
static int list_or_end(cli *c, const char *group, const char *usage, int argc, char **argv,
                       int *done) {
  static const char *const all[] = {"all", NULL};
  static const char *const id[] = {"id", NULL};
  char cmd[32];

  *done = argc > 0 && (strcmp(argv[0], "list") == 0 || strcmp(argv[0], "end") == 0);
  if (!*done)
    return 0;
  snprintf(cmd, sizeof(cmd), "%s.%s", group, argv[0]);
  if (argv[0][0] == 'l')
    return run_admin(c, cmd, usage, NULL, NULL, all, argc - 1, argv + 1);
  return run_admin(c, cmd, usage, id, NULL, NULL, argc - 1, argv + 1);
}

static int cmd_cover(cli *c, int argc, char **argv) {
  static const char *const pos[] = {"code", NULL};
  static const char *const flags[] = {"by", "from", "to", "reason", NULL};
  int done, rc = list_or_end(c, "cover", COVER_USAGE, argc, argv, &done);
  return done ? rc : run_admin(c, "cover", COVER_USAGE, pos, flags, NULL, argc, argv);
}

static int cmd_lend(cli *c, int argc, char **argv) {
  static const char *const pos[] = {"customer", NULL};
  static const char *const flags[] = {"to", "days", "reason", NULL};
  int done, rc = list_or_end(c, "lend", LEND_USAGE, argc, argv, &done);
  return done ? rc : run_admin(c, "lend", LEND_USAGE, pos, flags, NULL, argc, argv);
}

static int cmd_quarantine(cli *c, int argc, char **argv) {
  static const char *const flags[] = {"drop", NULL};
  return run_admin(c, "quarantine", "quarantine [--drop ID]", NULL, flags, NULL, argc, argv);
}

static int cmd_person(cli *c, int argc, char **argv) {
  static const char *const flags[] = {"customer", "contact", "reason", NULL};
  static const char *const bools[] = {"dry-run", NULL};
  const char *usage = PERSON_USAGE;

  if (argc < 1)
    return usage_error(usage, "person needs a subcommand");
  if (strcmp(argv[0], "export") == 0)
    return run_admin(c, "person.export", usage, NULL, flags, NULL, argc - 1, argv + 1);
  if (strcmp(argv[0], "erase") == 0)
    return run_admin(c, "person.erase", usage, NULL, flags, bools, argc - 1, argv + 1);
  return unknown_sub(usage, "person", argv[0]);
}

static int cmd_seed(cli *c, int argc, char **argv) {
  return fs__seed_main(c->data, argc, argv);
}

static int cmd_report(cli *c, int argc, char **argv) {
  char **args;
  int rc;

  if (!c->csv)
    return fs__report_cmd(c->data, c->json, c->width, argc, argv);
  /* The global --csv is report's own --csv. */
  args = calloc((size_t)argc + 2, sizeof(*args));
  if (args == NULL)
    return EXIT_ERR;
  memcpy(args, argv, (size_t)argc * sizeof(*args));
  args[argc] = "--csv";
  rc = fs__report_cmd(c->data, c->json, c->width, argc + 1, args);
  free(args);
  return rc;
}

static int cmd_completion(cli *c, int argc, char **argv);

static int cmd_sweep(cli *c, int argc, char **argv) {
  return run_admin(c, "sweep", "sweep", NULL, NULL, NULL, argc, argv);
}

static int cmd_gc(cli *c, int argc, char **argv) {
  static const char *const flags[] = {"keep-days", NULL};
  return run_admin(c, "gc", "gc [--keep-days N]", NULL, flags, NULL, argc, argv);
}

static int cmd_backup(cli *c, int argc, char **argv) {
  return fs__backup_cmd(c->data, argc, argv);
}

static int cmd_restore(cli *c, int argc, char **argv) {
  return fs__restore_cmd(c->data, argc, argv);
}

static int cmd_verify(cli *c, int argc, char **argv) {
  return fs__verify_cmd(c->data, argc, argv);
}

/* ---- schema ---------------------------------------------------------- */

#define SCHEMA_USAGE "schema [--markdown | --json]"

/* Prints the data model (common/modeldoc.h): the model section of
 * PROTOCOL.md, or with --json the same table for client generators.
 * Needs no store. */
static int cmd_schema(cli *c, int argc, char **argv) {
  fs__strbuf b;
  int json = c->json, rc;

  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--markdown") == 0)
      json = 0;
    else
      return unknown_option(SCHEMA_USAGE, argv[i],
                            (const char *const[]){"markdown", NULL}, NULL, NULL);
  }
  fs__strbuf_init(&b, FS_MODELDOC_MAX);
  rc = json ? fs__modeldoc_json(&b) : fs__modeldoc_markdown(&b);
  if (rc == 0 && fwrite(b.s, 1, b.len, stdout) != b.len)
    rc = FS_EIO;
  if (rc == 0 && fflush(stdout) != 0)
    rc = FS_EIO;
  if (rc)
    fprintf(stderr, "fieldsyncd: cannot print the schema: %s\n", fs_strerror(rc));
  fs__strbuf_release(&b);
  return rc ? EXIT_ERR : EXIT_OK;
}

static const subcmd cmds[] = {
    {"init", cmd_init},
    {"serve", cmd_serve},
    {"staff", cmd_staff},
    {"enroll", cmd_enroll},
    {"devices", cmd_devices},
    {"serials", cmd_serials},
    {"revoke", cmd_revoke},
    {"audit", cmd_audit},
    {"history", cmd_history},
    {"report", cmd_report},
    {"seed", cmd_seed},
    {"depart", cmd_depart},
    {"transfer", cmd_transfer},
    {"cover", cmd_cover},
    {"lend", cmd_lend},
    {"sweep", cmd_sweep},
    {"gc", cmd_gc},
    {"quarantine", cmd_quarantine},
    {"person", cmd_person},
    {"backup", cmd_backup},
    {"restore", cmd_restore},
    {"verify", cmd_verify},
    {"schema", cmd_schema},
    {"completion", cmd_completion},
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void help(FILE *f) {
  fprintf(
      f,
      "usage: fieldsyncd " FS_GLOBAL_OPTS_USAGE " COMMAND [ARGS]\n\n"
      "The fieldsync central daemon.  DIR defaults to $FIELDSYNCD_HOME or "
      "/var/lib/fieldsyncd.\n"
      "Admin commands talk to the running daemon (DIR/admin.sock) or, when none runs,\n"
      "work on the store directly.\n\ncommands:\n");
  for (size_t i = 0; i < NCMDS; i++)
    fprintf(f, "  %-11s %s\n", cmds[i].name,
            fs__daemon_doc(cmds[i].name)->summary); /* 2+ blanks */
  fs__help_terminal(f);
  fprintf(f, "\nRun `fieldsyncd COMMAND --help` for a command's options and defaults, "
             "`fieldsyncd --version` for the release.\n");
}

/* One command's help, on stdout: of "staff add" if sub names one. */
static void help_cmd(const subcmd *cmd, const char *sub) {
  fs__daemon_help_cmd(stdout, cmd->name, sub);
}

static int cmd_completion(cli *c, int argc, char **argv) {
  (void)c;
  if (argc != 1 || strcmp(argv[0], "bash") != 0)
    return usage_error("completion bash", "which shell? only bash is supported");
  return fs__daemon_completion_bash(stdout) ? EXIT_ERR : EXIT_OK;
}

static const subcmd *cmd_named(const char *name) {
  for (size_t k = 0; k < NCMDS; k++)
    if (strcmp(cmds[k].name, name) == 0)
      return &cmds[k];
  return NULL;
}

/* "unknown command"; suggests the nearest command name. */
static int unknown_cmd(const char *word, const char *prefix) {
  fs_suggest sg;

  fs__suggest_init(&sg, word);
  for (size_t k = 0; k < NCMDS; k++)
    fs__suggest_add(&sg, cmds[k].name);
  fprintf(stderr, "%s", prefix);
  fs__help_unknown(stderr, "fieldsyncd", "command", word, fs__suggest_best(&sg),
                   "fieldsyncd --help");
  return EXIT_USAGE;
}

/* Runs cmd with the arguments after its name: a reading command on a
 * terminal through the pager (common/term.h), its listings fitted to the
 * terminal's width.  The exit code. */
static int run_cmd(cli *c, const subcmd *cmd, int argc, char **argv) {
  int rc;

  c->width = fs__term_width(); /* before the pager takes stdout */
  if (!c->no_pager && fs__daemon_pages(cmd->name, argc, argv))
    fs__pager_start();
  rc = cmd->fn(c, argc, argv);
  if (fflush(stdout) != 0 && rc == EXIT_OK)
    rc = EXIT_ERR;
  fs__pager_end();
  return rc;
}

int main(int argc, char **argv) {
  const subcmd *cmd;
  cli c;
  int i;

  memset(&c, 0, sizeof(c));
  /* Every file the daemon makes (central.db and its -wal/-shm, config,
   * keys, admin.sock, locks) is for its user only (privdir.h). */
  umask(077);
  fs__log_set_tag("fieldsyncd");
  if (sodium_init() < 0) {
    fprintf(stderr, "fieldsyncd: libsodium failed to initialise\n");
    return EXIT_ERR;
  }
  c.data = getenv("FIELDSYNCD_HOME") ? getenv("FIELDSYNCD_HOME") : "/var/lib/fieldsyncd";
  /* Global options may stand anywhere before or after the command, the
   * same as fieldsync's: --data DIR or --data=DIR, --json, --csv,
   * --no-pager. */
  for (i = 1; i < argc; i++) {
    int used = 0;
    if (strcmp(argv[i], "--") == 0)
      break;
    if (strcmp(argv[i], "--data") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "fieldsyncd: --data needs a directory\n");
        return EXIT_USAGE;
      }
      c.data = argv[i + 1];
      used = 2;
    } else if (strncmp(argv[i], "--data=", 7) == 0) {
      c.data = argv[i] + 7;
      used = 1;
    } else if (strcmp(argv[i], "--json") == 0) {
      c.json = used = 1;
    } else if (strcmp(argv[i], "--csv") == 0) {
      c.csv = used = 1;
    } else if (strcmp(argv[i], "--no-pager") == 0) {
      c.no_pager = used = 1;
    }
    if (used) {
      memmove(&argv[i], &argv[i + used], (size_t)(argc - i - used) * sizeof(char *));
      argc -= used;
      i--;
    }
  }
  if (argc < 2) {
    help(stderr);
    return EXIT_USAGE;
  }
  if (strcmp(argv[1], "--version") == 0) {
    if (argc > 2) {
      fprintf(stderr, "fieldsyncd: --version takes no arguments\n");
      return EXIT_USAGE;
    }
    printf("fieldsyncd %s\n", FIELDSYNC_VERSION);
    return EXIT_OK;
  }
  /* `fieldsyncd help [COMMAND [SUB]]`, `fieldsyncd --help [COMMAND]`. */
  if (is_help(argv[1])) {
    if (argc < 3) {
      help(stdout);
      return EXIT_OK;
    }
    cmd = cmd_named(argv[2]);
    if (cmd == NULL)
      return unknown_cmd(argv[2], "fieldsyncd help: ");
    help_cmd(cmd, argc > 3 ? argv[3] : NULL);
    return EXIT_OK;
  }
  cmd = cmd_named(argv[1]);
  if (cmd == NULL) {
    if (strncmp(argv[1], "-", 1) == 0) {
      fs_suggest sg;
      static const char *const globals[] = {"--data", "--json",    "--csv", "--no-pager",
                                            "--help", "--version", NULL};
      fs__suggest_init(&sg, argv[1]);
      for (int k = 0; globals[k]; k++)
        fs__suggest_add(&sg, globals[k]);
      fs__help_unknown(stderr, "fieldsyncd", "option", argv[1], fs__suggest_best(&sg),
                       "fieldsyncd --help");
      return EXIT_USAGE;
    }
    return unknown_cmd(argv[1], "");
  }
  if (wants_help(argc - 2, argv + 2)) {
    help_cmd(cmd, argc > 2 ? argv[2] : NULL);
    return EXIT_OK;
  }
  if (c.csv && c.json)
    c.csv = 0; /* --json wins: one machine format at a time, as in fieldsync */
  if (c.csv && !fs__daemon_takes_csv(cmd->name, argc - 2, argv + 2)) {
    fprintf(stderr,
            "fieldsyncd %s: this command has no CSV output: --csv (the listings and "
            "report have it; --json for any command)\n",
            cmd->name);
    return EXIT_USAGE;
  }
  /* `serve` logs (a service's log); every other command says what
   * happened in its own sentences, warnings plain, the log lines only when
   * FIELDSYNC_LOG asks. */
  if (strcmp(cmd->name, "serve") != 0 && getenv("FIELDSYNC_LOG") == NULL) {
    fs__log_set_level(FS_LOG_WARN);
    fs__log_set_plain(1);
  }
  if (strcmp(cmd->name, "init") != 0 && strcmp(cmd->name, "completion") != 0 &&
      data_dir_private(c.data) != 0)
    return EXIT_ERR;
  if (strcmp(cmd->name, "init") != 0 && load_config(&c) != 0)
    return EXIT_ERR;
  if (strcmp(cmd->name, "init") == 0)
    fs__config_defaults(&c.cfg);
  return run_cmd(&c, cmd, argc - 2, argv + 2);
}
