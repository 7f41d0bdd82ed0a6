/* admin_cmd.h - what the administration commands share (private to
 * daemon/admin*.c): the command context, its arguments, and the one way a
 * result is built.
 *
 * A command's result is typed once: a listing is a table (table.h) that
 * the one renderer writes as the text listing and as the JSON array; a
 * single result is a JSON object from the one writer (json.h) next to a
 * sentence for humans.  Both texts travel in the ADMIN_RESULT, and a
 * listing also as its typed table (`table`), which the admin's own process
 * renders for its terminal (width, pager, time zone: issue 15).
 *
 * Every command runs inside a nested transaction of the writer's
 * (store/nest.h) that fs__admin_exec undoes when the command fails.  Reads
 * go through fs__admin_rd (the writer's connection: they see the
 * command's own writes).
 */
#ifndef FS_ADMIN_CMD_H
#define FS_ADMIN_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "admin.h"
#include "json.h"
#include "strbuf.h"
#include "table.h"

typedef struct fs_admin_cmd {
  const fs_admin_ctx *ctx;
  const fs_msg_admin *req;
  fs_msg_admin_result *res;
  fs__strbuf out;   /* human text */
  fs__strbuf json;  /* JSON */
  fs_json j;        /* the writer over json */
  fs__strbuf table; /* the listing packed (table.h fs__table_pack), or empty */
  size_t table_end; /* where its text ends in out */
  int tables;       /* listings ended so far */
} fs_admin_cmd;

/* ---- arguments ---- */

/* A non-empty string argument, or NULL. */
const char *fs__admin_arg_str(const fs_admin_cmd *x, const char *key);
/* An integer or boolean argument, or def. */
long long fs__admin_arg_int(const fs_admin_cmd *x, const char *key, long long def);
/* A list argument (a single string counts as a list of one) into *out;
 * returns its length (0: absent, *out NULL). */
int fs__admin_arg_list(const fs_admin_cmd *x, const char *key, const char *const **out);

/* ---- results ---- */

/* Refuses the command: res says code and the formatted message.  Returns
 * 0 (the command ran; fs__admin_exec undoes its writes). */
int fs__admin_fail(fs_admin_cmd *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends stored text to the human output through the one sanitiser
 * (common/utf8.h: a control character as a space), then spaces up to
 * width display columns (never cut). */
void fs__admin_out_text(fs_admin_cmd *x, const char *s, int width);

/* Members of a single result's JSON object (x->j). */
void fs__admin_obj_str(fs_admin_cmd *x, const char *key, const char *v);
void fs__admin_obj_int(fs_admin_cmd *x, const char *key, int64_t v);

/* The store read handle of the command (sees its writes). */
fs_store_rd *fs__admin_rd(const fs_admin_cmd *x);

/* ---- listings ---- */

/* A listing of ncols typed columns, or NULL (out of memory). */
fs_table *fs__admin_list_new(const fs_col *cols, int ncols);

/* Sets the drop ranks of t's columns from ranks[0..ncols-1] (table.h
 * fs__table_set_drop: on a narrow terminal the highest goes first; 0
 * never).  Takes t NULL. */
void fs__admin_list_drop(fs_table *t, const int *ranks);

/* Ends listing t, which a store call filled and ended with rc: if rc is 0,
 * the JSON array and as text the table, or what lines (may be NULL) writes
 * from the rows; a listing over its bound refuses the command.  The
 * result's first listing, when it begins the text, also goes packed into
 * x->table, so the admin's process can render it (text that follows it in
 * out is printed after it).  *nrows
 * (may be NULL) receives the rows.  Frees t.  Returns 0 or an error. */
int fs__admin_list_end(fs_admin_cmd *x, fs_table *t, int rc,
                       int (*lines)(fs_admin_cmd *x, const fs_table *t), size_t *nrows);

/* ---- the commands (admin.c's table) ---- */

int fs__admin_staff_add(fs_admin_cmd *x); /* admin_staff.c */
int fs__admin_staff_list(fs_admin_cmd *x);
int fs__admin_staff_edit(fs_admin_cmd *x);
int fs__admin_enroll(fs_admin_cmd *x);
int fs__admin_devices(fs_admin_cmd *x); /* admin_devices.c */
int fs__admin_serials(fs_admin_cmd *x); /* admin_devices.c */
int fs__admin_revoke(fs_admin_cmd *x);
int fs__admin_quarantine(fs_admin_cmd *x);
int fs__admin_audit(fs_admin_cmd *x); /* admin_history.c */
int fs__admin_history(fs_admin_cmd *x);
int fs__admin_depart(fs_admin_cmd *x); /* admin_moves.c */
int fs__admin_transfer(fs_admin_cmd *x);
int fs__admin_cover(fs_admin_cmd *x);
int fs__admin_lend(fs_admin_cmd *x);
int fs__admin_sweep(fs_admin_cmd *x);
int fs__admin_cover_list(fs_admin_cmd *x); /* admin_cover.c */
int fs__admin_cover_end(fs_admin_cmd *x);
int fs__admin_lend_list(fs_admin_cmd *x);
int fs__admin_lend_end(fs_admin_cmd *x);
int fs__admin_gc(fs_admin_cmd *x); /* admin_data.c */
int fs__admin_person_export(fs_admin_cmd *x);
int fs__admin_person_erase(fs_admin_cmd *x);

#endif
