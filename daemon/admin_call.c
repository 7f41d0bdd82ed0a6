/* admin_call.c - an admin command through the daemon or on the store
 * (admin_call.h). */
#include "admin_call.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin.h"
#include "frame.h"
#include "fs_errno.h"
#include "keys.h"
#include "log.h"
#include "store/central.h"
#include "utf8.h"

static int read_full(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) {
      if (r < 0 && errno == EINTR)
        continue;
      return FS_ECLOSED;
    }
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int write_full(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r <= 0) {
      if (r < 0 && errno == EINTR)
        continue;
      return FS_ECLOSED;
    }
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* 1 if no daemon listens on the socket (so run offline), 0 on success,
 * <0 error. */
static int admin_remote(const char *data, const fs_msg *req, fs_msg *res, int *said) {
  struct sockaddr_un sa;
  uint8_t hdr[FS_FRAME_HEADER_LEN];
  uint8_t *body = NULL;
  size_t len;
  fs_buf b;
  int fd, rc;

  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/admin.sock", data) >=
      sizeof(sa.sun_path))
    return 1;
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0)
    return FS_EIO;
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return 1;
  }
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  rc = fs__buf_append(&b, "\0\0\0\0", 4);
  if (rc == 0)
    rc = fs__msg_encode(req, &b);
  if (rc == 0) {
    fs__frame_header(b.data, (uint32_t)(b.len - 4));
    rc = write_full(fd, b.data, b.len);
  }
  fs__buf_release(&b);
  if (rc == 0)
    rc = read_full(fd, hdr, sizeof(hdr));
  if (rc == 0)
    rc = fs__frame_header_parse(hdr, 64u << 20, &len);
  if (rc == 0) {
    body = malloc(len);
    rc = body ? read_full(fd, body, len) : FS_ENOMEM;
  }
  if (rc == 0)
    rc = fs__msg_decode(body, len, res);
  if (rc == 0 && res->type == FS_MSG_ERROR) {
    fprintf(stderr, "fieldsyncd: daemon refused: ");
    fs__print_text(stderr, res->u.error.text, -1);
    fputc('\n', stderr);
    *said = 1;
    rc = res->u.error.code;
  } else if (rc == 0 && res->type != FS_MSG_ADMIN_RESULT) {
    rc = FS_EPROTO;
  }
  free(body);
  close(fd);
  return rc;
}

/* Runs req on the store itself (no daemon serves it): 0 with *res, or an
 * fs_errno; *said is set when the reason was printed here. */
static int admin_local(const char *data, const fs_config *cfg, const fs_msg *req,
                       fs_msg *res, int *said) {
  char path[PATH_MAX];
  fs_central *central = NULL;
  fs_keypair *kp = NULL;
  fs_admin_ctx ctx;
  int rc;

  snprintf(path, sizeof(path), "%s/daemon.key", data);
  rc = fs__keypair_load(&kp, path);
  if (rc) {
    if (fs__log_last()[0]) /* there is a key, but it cannot be used */
      fprintf(stderr, "fieldsyncd: %s\n", fs__log_last());
    else
      fprintf(stderr, "fieldsyncd: no daemon in %s; run fieldsyncd init --data %s\n", data,
              data);
    *said = 1;
    return rc;
  }
  snprintf(path, sizeof(path), "%s/central.db", data);
  rc = fs__central_open(path, 0, &central);
  if (rc == FS_EBUSY)
    fprintf(
        stderr,
        "fieldsyncd: a fieldsyncd (pid %ld) serves %s but its admin socket %s/admin.sock "
        "does not answer; restart that daemon (it makes a new socket) and retry\n",
        fs__central_holder(path), data, data);
  *said = rc == FS_EBUSY;
  if (rc)
    goto out;
  /* `sweep` run without a daemon ends wipe orders by the same deadline. */
  fs__central_set_wipe_deadline(central, (int64_t)cfg->wipe_deadline_days * 86400000LL);
  ctx.c = central;
  ctx.cfg = cfg;
  ctx.daemon_pub = kp->pub;
  ctx.actor = getenv("USER") ? getenv("USER") : "admin";
  fs__msg_init(res, FS_MSG_ADMIN_RESULT);
  rc = fs__central_begin(central);
  if (rc == 0)
    rc = fs__admin_exec(&ctx, &req->u.admin, &res->u.admin_result);
  if (rc == 0)
    rc = fs__central_commit(central);
  else
    fs__central_rollback(central);
out:
  fs__central_free(central);
  fs__keypair_free(kp);
  return rc;
}

int fs__admin_call(const char *data, const fs_config *cfg, const fs_msg *req, fs_msg *res,
                   int *said) {
  int rc;

  *said = 0;
  rc = admin_remote(data, req, res, said);
  if (rc == 1) {
    fs__log_forget();
    rc = admin_local(data, cfg, req, res, said);
  }
  return rc;
}
