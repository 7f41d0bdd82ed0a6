/* money.c - the public money calls (fieldsync.h) over common/money.c. */
#include "fieldsync.h"
#include "money.h"

_Static_assert(FS_MONEY_TEXT_MAX >= FS__MONEY_TEXT_MAX, "public size holds any amount");

int fs_money_parse(const char *text, int64_t *minor_out) {
  return fs__money_parse(text, minor_out);
}

int fs_money_format(int64_t minor, char *buf, size_t cap) {
  return fs__money_format(minor, buf, cap);
}
