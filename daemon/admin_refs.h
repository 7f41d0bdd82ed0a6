/* admin_refs.h - the records an admin command names, resolved once before
 * it runs (issue 15, point 3).
 *
 * Arguments "customer" (text or list), "contact" and "record" (history:
 * any kind) may hold what a person types: a full id, a unique prefix of 6+
 * hex characters such as the 16-character ids the lists print, or a
 * customer's archive number, any case (common/ident.h).  They are
 * replaced by full ids, so every command compares ids only; a name that
 * matches nothing or several records refuses the command with a sentence
 * naming it (and the candidates).  audit and history also take the full
 * id of a record gc has purged: their logs outlive it.
 */
#ifndef FS_ADMIN_REFS_H
#define FS_ADMIN_REFS_H

#include <stddef.h>

#include "store/central.h"
#include "msg.h"

typedef struct fs_admin_refs {
  fs_msg_admin req;                   /* the request with names resolved */
  fs_admin_arg args[FS_MSG_MAX_ARGS]; /* its arguments (strings borrowed) */
  char (*ids)[33];                    /* malloc'd: one per resolved name */
  char **lists[FS_MSG_MAX_ARGS];      /* malloc'd list arrays, or NULL */
} fs_admin_refs;

/* Fills out from req (which must outlive out).  0; FS_ENOTFOUND or
 * FS_EINVAL or FS_EUSAGE with the admin's sentence in err (nothing to release then
 * either way: release is safe); FS_ENOMEM or a storage error. */
int fs__admin_refs_resolve(fs_central *c, const fs_msg_admin *req, fs_admin_refs *out,
                           char *err, size_t errlen);
/* Frees what resolve allocated.  Takes NULL. */
void fs__admin_refs_release(fs_admin_refs *r);

#endif
