/* ident.h - how a person names a record on either command line, once for
 * fieldsync and fieldsyncd (issue 15, point 3).
 *
 * What a user may type where a record is wanted, surrounding blanks ignored:
 *   - the full id: 32 hex characters, any case;
 *   - a prefix of the id of FS_IDENT_PREFIX_MIN..31 hex characters, any case
 *     (the lists print the first FS_IDENT_SHORT_LEN: those always work when
 *     unique); shorter is refused saying the minimum;
 *   - for customers, the archive number, any case ("a01-2026-7" is
 *     A01-2026-0007: the serial's leading zeros may be left out).
 * Exactly one record must match.  Several matches are refused listing the
 * candidates, like git ("short id 01a2cf is ambiguous: candidates are ..."),
 * none as "no customer matches ...".
 *
 * Ids begin with 12 hex characters of creation time, so the first six only
 * tell records made more than ~4.7 hours apart; they are the minimum all
 * the same (older records are told apart by them).
 */
#ifndef FS_IDENT_H
#define FS_IDENT_H

#include <stddef.h>

#include <sqlite3.h>

#include "model.h"

#define FS_IDENT_PREFIX_MIN 6
#define FS_IDENT_SHORT_LEN 16 /* the id column of every list */
#define FS_IDENT_SHOW_MAX 5   /* candidates named in an ambiguity error */
#define FS_IDENT_COUNT_MAX 100 /* matches counted per kind; more: "at least" */
#define FS_IDENT_ANY (-1)     /* kind: search every kind (history) */

/* Flags of fs__ident_resolve. */
#define FS_IDENT_TOMBSTONES 0x01 /* deleted records match too (audit, history) */

typedef enum fs_ident_form {
  FS_IDENT_FULL = 1, /* text: 32 lowercase hex */
  FS_IDENT_PREFIX,   /* text: 6..31 lowercase hex */
  FS_IDENT_ARCHIVE,  /* text: the canonical archive number */
} fs_ident_form;

typedef struct fs_ident {
  fs_ident_form form;
  char text[48];
} fs_ident;

/* Classifies text as typed for records of kind (an fs_kind, or
 * FS_IDENT_ANY: archive numbers then name customers).  0 and *out, or
 * FS_EUSAGE with a sentence in err (prefix too short, not an id: wrong
 * form, a usage error by common/cmdline.h), FS_EINVAL (NULL). */
int fs__ident_parse(const char *text, int kind, fs_ident *out, char *err, size_t errlen);

/* Resolves text to the one record of kind it names, in db (a replica or
 * the central store: same tables).  0 with the full id in id_out (and its
 * kind in *kind_out, may be NULL); FS_EUSAGE (malformed, too short);
 * FS_EINVAL (ambiguous: err lists up to FS_IDENT_SHOW_MAX candidates as "<16-char id>
 * <kind> <label>"), FS_ENOTFOUND, or a translated SQLite error.  err
 * (errlen >= 1) always holds a sentence on error. */
int fs__ident_resolve(sqlite3 *db, int kind, const char *text, unsigned flags,
                      char id_out[33], int *kind_out, char *err, size_t errlen);

#endif
