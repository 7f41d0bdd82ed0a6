/* term.c - the terminal width and the pager of both programs (term.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "term.h"

#define DEFAULT_PAGER "less"
#define DEFAULT_WIDTH 80

static pid_t pager_pid = -1;

int fs__term_width(void) {
  const char *cols = getenv("COLUMNS");
  struct winsize ws;
  long n;
  char *end = NULL;

  if (!isatty(STDOUT_FILENO))
    return 0;
  if (cols && *cols) {
    errno = 0;
    n = strtol(cols, &end, 10);
    if (errno == 0 && end && *end == '\0' && n > 0 && n < 10000)
      return (int)n;
  }
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return DEFAULT_WIDTH;
}

/* 1 if an executable called name is on $PATH. */
static int on_path(const char *name) {
  const char *path = getenv("PATH");
  char buf[4096];

  while (path && *path) {
    size_t n = strcspn(path, ":");
    snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", name);
    if (access(buf, X_OK) == 0)
      return 1;
    path += n;
    if (*path == ':')
      path++;
  }
  return 0;
}

/* The pager command to run, or NULL for none: $PAGER (empty or "cat":
 * none), else less -FRX if it is installed. */
static const char *pager_cmd(void) {
  const char *p = getenv("PAGER");

  if (p != NULL)
    return *p == '\0' || strcmp(p, "cat") == 0 ? NULL : p;
  return on_path(DEFAULT_PAGER) ? DEFAULT_PAGER : NULL;
}

void fs__pager_start(void) {
  const char *cmd;
  int fd[2];
  pid_t pid;

  if (pager_pid > 0 || !isatty(STDOUT_FILENO) || (cmd = pager_cmd()) == NULL)
    return;
  if (pipe(fd) != 0)
    return;
  fflush(stdout);
  pid = fork();
  if (pid < 0) {
    close(fd[0]);
    close(fd[1]);
    return;
  }
  if (pid == 0) {
    /* less: quit if one screen, keep colours, leave the screen as is. */
    if (getenv("LESS") == NULL)
      setenv("LESS", "FRX", 1);
    dup2(fd[0], STDIN_FILENO);
    close(fd[0]);
    close(fd[1]);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  close(fd[0]);
  if (dup2(fd[1], STDOUT_FILENO) < 0) {
    close(fd[1]);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return;
  }
  close(fd[1]);
  pager_pid = pid;
}

void fs__pager_end(void) {
  if (pager_pid <= 0)
    return;
  fflush(stdout);
  close(STDOUT_FILENO); /* the pager sees the end */
  while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
    ;
  pager_pid = -1;
}
