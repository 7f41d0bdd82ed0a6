/* store/names.h - naming records in the central store by the rule of
 * common/ident.h (issue 15): full id, unique prefix of 6+ hex characters,
 * or a customer's archive number, any case.
 */
#ifndef FS_STORE_NAMES_H
#define FS_STORE_NAMES_H

#include <stddef.h>

#include "store/central.h"

/* Resolves text to the one record of kind (an fs_kind, or FS_IDENT_ANY)
 * the central store holds, tombstones included (an admin audits and
 * inspects deleted cards too; each command applies its own rule to the
 * id).  0 and id_out, or FS_ENOTFOUND / FS_EINVAL / FS_EUSAGE with the sentence for
 * the admin in err, or a storage error. */
int fs__store_ident_resolve(fs_central *c, int kind, const char *text, char id_out[33],
                            char *err, size_t errlen);

#endif
