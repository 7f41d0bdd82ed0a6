/* money.h - amounts of money as people type and read them.
 *
 * The model stores money (fields flagged FS_F_MONEY) as int64 minor units,
 * 1/100 of the currency unit, and sends it so on the wire; people see
 * currency units with two decimals and thousands commas.  Both programs
 * and the library go through these two calls, so "12,345.60" means the
 * same everywhere.
 */
#ifndef FS_MONEY_H
#define FS_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* The model's bound: |amount| <= 10^15 minor units. */
#define FS_MONEY_MINOR_MAX 1000000000000000LL
/* Longest text fs__money_format writes, NUL included: sign, 13 integer
 * digits with 4 commas, the point and two decimals. */
#define FS__MONEY_TEXT_MAX 32

/* Reads "12345", "12345.6", "12,345.60", "-3.50", "+7" (surrounding blanks
 * ignored; commas only between groups of three digits; at most two
 * decimals) into *minor.  0; FS_EUSAGE if text is not such an amount
 * (*minor untouched); FS_EOVERFLOW beyond FS_MONEY_MINOR_MAX. */
int fs__money_parse(const char *text, int64_t *minor);

/* Writes minor as "12,345.60" / "-3.50" with its NUL into buf: the length
 * (without the NUL), or FS_EOVERFLOW if cap is too small (buf then "" if
 * cap > 0). */
int fs__money_format(int64_t minor, char *buf, size_t cap);

/* The same without thousands commas ("12345.60", "-3.50"): for CSV, JSON
 * and fs_record_get, where a comma would be a separator (issue 15).  Same
 * returns; fs__money_parse reads it back. */
int fs__money_plain(int64_t minor, char *buf, size_t cap);

#endif
