/* seed_cmd.c - `fieldsyncd seed` (seed.h): the command line around
 * fs__seed_run (seed.c), which refuses while a daemon serves the store. */
#include "seed.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmdline.h"
#include "fs_errno.h"
#include "validate.h"

int fs__seed_daemon_running(const char *data_dir) {
  struct sockaddr_un sa;
  int fd, up;

  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/admin.sock", data_dir) >=
      sizeof(sa.sun_path))
    return 0;
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  up = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
  close(fd);
  return up;
}

static void print_progress(void *arg, const fs_seed_stats *st, int done) {
  const fs_seed_opts *o = arg;
  printf("seed: %d/%d customers, %" PRIu64 " records\n", done, o->customers, st->rows);
  fflush(stdout);
}

int fs__seed_main(const char *data_dir, int argc, char **argv) {
  static const char usage[] = "usage: fieldsyncd seed --reps N --customers M --months K "
                              "[--seed S] [--end YYYY-MM-DD] "
                              "[--batch N]\n";
  fs_seed_opts o;
  fs_seed_stats st;
  fs_central *c = NULL;
  char path[PATH_MAX];
  long long v;
  int rc, have = 0;

  memset(&o, 0, sizeof(o));
  memset(&st, 0, sizeof(st));
  o.seed = 1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (val == NULL) {
      fprintf(stderr, "fieldsyncd seed: %s needs a value\n%s", a, usage);
      return 2;
    }
    i++;
    if (strcmp(a, "--reps") == 0 && fs__cmdline_num(val, 1, FS_SEED_MAX_REPS, &v) == 0) {
      o.reps = (int)v;
      have |= 1;
    } else if (strcmp(a, "--customers") == 0 &&
               fs__cmdline_num(val, 0, FS_SEED_MAX_CUSTOMERS, &v) == 0) {
      o.customers = (int)v;
      have |= 2;
    } else if (strcmp(a, "--months") == 0 &&
               fs__cmdline_num(val, 1, FS_SEED_MAX_MONTHS, &v) == 0) {
      o.months = (int)v;
      have |= 4;
    } else if (strcmp(a, "--seed") == 0 && fs__cmdline_num(val, 0, LLONG_MAX, &v) == 0) {
      o.seed = (uint64_t)v;
    } else if (strcmp(a, "--batch") == 0 && fs__cmdline_num(val, 1, 10000000, &v) == 0) {
      o.batch = (int)v;
    } else if (strcmp(a, "--end") == 0 && fs__valid_date(val) == 0) {
      o.end = val;
    } else {
      fprintf(stderr,
              "fieldsyncd seed: bad option %s %s (reps 1..%d, customers 0..%d, months "
              "1..%d)\n%s",
              a, val, FS_SEED_MAX_REPS, FS_SEED_MAX_CUSTOMERS, FS_SEED_MAX_MONTHS, usage);
      return 2;
    }
  }
  if (have != 7) {
    fprintf(stderr, "fieldsyncd seed: --reps, --customers and --months are required\n%s",
            usage);
    return 2;
  }
  if (fs__seed_daemon_running(data_dir)) {
    fprintf(
        stderr,
        "fieldsyncd seed: a daemon is running on %s (admin.sock answers); stop it first, "
        "seed writes the store directly\n",
        data_dir);
    return 1;
  }
  snprintf(path, sizeof(path), "%s/central.db", data_dir);
  rc = fs__central_open(path, 0, &c);
  if (rc == FS_EBUSY) {
    fprintf(
        stderr,
        "fieldsyncd seed: %s is in use by a running fieldsyncd (pid %ld); stop it first, "
        "seed writes the store directly\n",
        data_dir, fs__central_holder(path));
    return 1;
  }
  if (rc) {
    fprintf(stderr, "fieldsyncd seed: cannot open %s: %s (run fieldsyncd init first)\n",
            path, fs_strerror(rc));
    return 1;
  }
  o.progress = print_progress;
  o.progress_arg = &o;
  rc = fs__seed_run(c, &o, &st);
  fs__central_free(c);
  if (rc) {
    fprintf(stderr, "fieldsyncd seed: %s\n", fs_strerror(rc));
    return 1;
  }
  printf("seeded %s: %" PRIu64 " staff added, %" PRIu64 " customers, %" PRIu64
         " grade changes, %" PRIu64 " contacts, %" PRIu64 " visits, %" PRIu64
         " opportunities, %" PRIu64 " showroom entries, %" PRIu64
         " lost reviews (%" PRIu64 " records)\n",
         data_dir, st.staff, st.customers, st.grade_changes, st.contacts, st.visits,
         st.opportunities, st.showroom, st.lost_reviews, st.rows);
  return 0;
}
