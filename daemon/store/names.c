/* store/names.c - record names in the central store (store/names.h). */
#include "store/names.h"

#include "fs_errno.h"
#include "ident.h"
#include "store/impl.h"

int fs__store_ident_resolve(fs_central *c, int kind, const char *text, char id_out[33],
                            char *err, size_t errlen) {
  if (c == NULL)
    return FS_EINVAL;
  return fs__ident_resolve(fs__central_db(c), kind, text, FS_IDENT_TOMBSTONES, id_out,
                           NULL, err, errlen);
}
