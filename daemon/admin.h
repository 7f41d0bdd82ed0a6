/* admin.h - administration commands of fieldsyncd.
 *
 * Every command runs inside the writer's transaction (so it acts on a
 * running daemon while it serves clients, serialised with pushes), or, when
 * no daemon runs, inside a transaction of its own on the store.  Commands
 * that change anything write an audit row (who, when, what, why).
 *
 * Commands (ADMIN.cmd) and their args are listed in admin.c's table (the
 * commands themselves live by concern in admin_*.c, admin_cmd.h); the
 * fieldsyncd CLI maps its subcommands onto them.
 */
#ifndef FS_ADMIN_H
#define FS_ADMIN_H

#include "store/central.h"
#include "config.h"
#include "msg.h"
#include "token.h"

typedef struct fs_admin_ctx {
  fs_central *c;
  const fs_config *cfg;
  const uint8_t *daemon_pub; /* 32 bytes */
  const char *actor;         /* who asks, for the audit log */
} fs_admin_ctx;

/* Runs req; fills res (ok, code, text, out, json: malloc'd).  Returns 0
 * when the command ran (successfully or not: see res->ok), or a storage
 * error that must fail the transaction. */
int fs__admin_exec(const fs_admin_ctx *ctx, const fs_msg_admin *req,
                   fs_msg_admin_result *res);

/* Enrollment, read side (loop thread, any read handle): is this token valid
 * now?  0, FS_ETOKEN (unknown or staff mismatch), FS_ETOKEN_USED,
 * FS_ETOKEN_EXPIRED, FS_EDEPARTED, FS_ECRYPTO, or a storage error.
 * (admin_staff.c) */
int fs__enroll_check(fs_store_rd *r, const fs_token *t);
/* Enrollment, write side (writer thread): checks again, registers pub for
 * the token's staff with the next free archive slot, marks the token used,
 * audits.  Fills d.  Same codes plus storage errors and FS_EOVERFLOW (no
 * free slot). */
int fs__enroll_device(fs_central *c, const fs_token *t, const uint8_t pub[32],
                      fs_device *d);

#endif
