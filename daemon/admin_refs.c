/* admin_refs.c - resolving record names of admin commands (admin_refs.h). */
#include "admin_refs.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "ident.h"
#include "store/names.h"

/* The kind an argument names, or -2 if it names no record. */
static int arg_kind(const char *key) {
  if (strcmp(key, "customer") == 0)
    return FS_KIND_CUSTOMER;
  if (strcmp(key, "contact") == 0)
    return FS_KIND_CONTACT;
  if (strcmp(key, "record") == 0)
    return FS_IDENT_ANY;
  return -2;
}

/* Resolves one name into id.  audit and history read logs that outlive
 * the records they name (gc purges tombstones): there a full id that
 * matches no stored record still names that record's log entries. */
static int resolve_one(fs_central *c, const char *cmd, int kind, const char *text,
                       char id[33], char *err, size_t errlen) {
  int rc = fs__store_ident_resolve(c, kind, text, id, err, errlen);
  fs_ident q;
  char perr[8];

  if (rc == FS_ENOTFOUND && (strcmp(cmd, "audit") == 0 || strcmp(cmd, "history") == 0) &&
      fs__ident_parse(text, kind, &q, perr, sizeof(perr)) == 0 &&
      q.form == FS_IDENT_FULL) {
    memcpy(id, q.text, 33);
    rc = 0;
  }
  return rc;
}

void fs__admin_refs_release(fs_admin_refs *r) {
  if (r == NULL)
    return;
  free(r->ids);
  for (int i = 0; i < FS_MSG_MAX_ARGS; i++)
    free(r->lists[i]);
  memset(r, 0, sizeof(*r));
}

int fs__admin_refs_resolve(fs_central *c, const fs_msg_admin *req, fs_admin_refs *out,
                           char *err, size_t errlen) {
  size_t names = 0, next = 0;
  uint32_t nargs;
  int rc = 0;

  memset(out, 0, sizeof(*out));
  out->req = *req;
  nargs = req->nargs < FS_MSG_MAX_ARGS ? req->nargs : FS_MSG_MAX_ARGS;
  if (nargs)
    memcpy(out->args, req->args, nargs * sizeof(out->args[0]));
  out->req.args = out->args;
  out->req.nargs = nargs;
  for (uint32_t i = 0; i < nargs; i++)
    if (arg_kind(out->args[i].key) != -2)
      names += out->args[i].type == FS_ARG_LIST ? out->args[i].nlist : 1;
  if (names == 0)
    return 0;
  out->ids = calloc(names, sizeof(*out->ids));
  if (out->ids == NULL)
    return FS_ENOMEM;
  for (uint32_t i = 0; rc == 0 && i < nargs; i++) {
    fs_admin_arg *a = &out->args[i];
    int kind = arg_kind(a->key);
    if (kind == -2)
      continue;
    if (a->type == FS_ARG_STR && a->s[0]) {
      rc = resolve_one(c, req->cmd, kind, a->s, out->ids[next], err, errlen);
      a->s = out->ids[next++];
    } else if (a->type == FS_ARG_LIST && a->nlist > 0) {
      out->lists[i] = calloc(a->nlist, sizeof(char *));
      if (out->lists[i] == NULL)
        return FS_ENOMEM;
      for (uint32_t j = 0; rc == 0 && j < a->nlist; j++) {
        rc = resolve_one(c, req->cmd, kind, a->list[j], out->ids[next], err, errlen);
        out->lists[i][j] = out->ids[next++];
      }
      a->list = out->lists[i];
    }
  }
  return rc;
}
