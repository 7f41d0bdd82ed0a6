/* testutil.c - helpers shared by the cmocka unit tests. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "schema.h"

char *fs_test_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[512];
  char *p;

  snprintf(tmpl, sizeof(tmpl), "%s/fstest.XXXXXX", base && *base ? base : "/tmp");
  p = mkdtemp(tmpl);
  assert_non_null(p);
  return strdup(p);
}

void fs_test_rmdir(char *path) {
  char cmd[600];
  int rc;

  if (path == NULL)
    return;
  if (strncmp(path, "/tmp/", 5) == 0 || getenv("TMPDIR")) {
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    rc = system(cmd);
    (void)rc;
  }
  free(path);
}

char *fs_test_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  assert_non_null(p);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* ---- daemon --------------------------------------------------------- */

char *fs_test_daemon_cmd(fs_test_daemon *d, int *status, const char *fmt, ...) {
  char args[4096], cmd[8192];
  char *out = NULL;
  size_t len = 0, cap = 0;
  va_list ap;
  FILE *p;
  int st;

  va_start(ap, fmt);
  vsnprintf(args, sizeof(args), fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof(cmd), "'%s/fieldsyncd' --data '%s' %s 2>>'%s/cmd.log'", FS_BIN, d->dir,
           args, d->dir);
  p = popen(cmd, "r");
  assert_non_null(p);
  for (;;) {
    size_t n;
    if (cap - len < 4096) {
      cap = cap ? cap * 2 : 8192;
      out = realloc(out, cap);
      assert_non_null(out);
    }
    n = fread(out + len, 1, cap - len - 1, p);
    if (n == 0)
      break;
    len += n;
  }
  out[len] = '\0';
  while (len > 0 && out[len - 1] == '\n')
    out[--len] = '\0';
  st = pclose(p);
  st = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  if (status)
    *status = st;
  else if (st != 0)
    fail_msg("fieldsyncd %s exited %d (see %s/cmd.log)", args, st, d->dir);
  return out;
}

void fs_test_daemon_serve(fs_test_daemon *d) {
  int fds[2];
  char listen[64], line[256], log[600];
  FILE *f;
  pid_t pid;

  snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
  snprintf(log, sizeof(log), "%s/daemon.log", d->dir);
  assert_int_equal(pipe(fds), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char bin[600];
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fds[1], 1);
    if (fd >= 0)
      dup2(fd, 2);
    close(fds[0]);
    snprintf(bin, sizeof(bin), "%s/fieldsyncd", FS_BIN);
    execl(bin, bin, "--data", d->dir, "serve", "--listen", listen, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  f = fdopen(fds[0], "r");
  assert_non_null(f);
  /* The daemon prints this line once it listens. */
  while (fgets(line, sizeof(line), f)) {
    int port;
    if (sscanf(line, "fieldsyncd listening on port %d", &port) == 1) {
      d->port = port;
      break;
    }
  }
  fclose(f);
  if (d->port == 0)
    fail_msg("fieldsyncd did not start; see %s", log);
  d->pid = (int)pid;
  snprintf(d->addr, sizeof(d->addr), "127.0.0.1:%d", d->port);
}

void fs_test_daemon_start(fs_test_daemon *d) {
  char *out;
  memset(d, 0, sizeof(*d));
  d->dir = fs_test_tmpdir();
  out = fs_test_daemon_cmd(d, NULL, "init");
  free(out);
  fs_test_daemon_serve(d);
}

void fs_test_daemon_kill(fs_test_daemon *d, int sig) {
  int st = 0;
  if (d->pid <= 0)
    return;
  kill((pid_t)d->pid, sig);
  waitpid((pid_t)d->pid, &st, 0);
  if (sig == SIGTERM)
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  d->pid = 0;
}

void fs_test_daemon_stop(fs_test_daemon *d) {
  fs_test_daemon_kill(d, SIGTERM);
  /* FS_TEST_KEEP=1 keeps the daemon's directory (store, log) to look at. */
  if (getenv("FS_TEST_KEEP") && d->dir)
    fprintf(stderr, "kept daemon directory %s\n", d->dir);
  else
    fs_test_rmdir(d->dir);
  d->dir = NULL;
}

void fs_test_schema_records_only(void) {
  static const fs_schema_fragment none = {FS_SCHEMA_DAEMON, "daemon (records only, test)",
                                          "", NULL, 0};
  assert_int_equal(fs__schema_register(&none), 0);
}
