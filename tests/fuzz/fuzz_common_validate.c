/* fuzz_common_validate.c - arbitrary bytes as values for every field type.
 *
 * Input: first byte picks a field (over all fields of all kinds), the rest
 * is the value.  Besides "no crash, no leak, no UB", it checks invariants
 * that tie the validators together and traps if one breaks:
 *   - the message is always NUL-terminated and, on failure, non-empty and
 *     starts with the field name;
 *   - an accepted TEXT value is valid UTF-8 and within the field's max;
 *   - an accepted DATE/DATETIME is what fs__valid_date/_datetime accept and
 *     re-parses through fs__date_parse;
 *   - fs__valid_date and fs__valid_datetime never both accept one text;
 *   - money (common/money.h) a person types: an accepted amount is within
 *     the model's bound and formats to a text that parses back to it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"
#include "model.h"
#include "money.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const fs_field *pick_field(unsigned n) {
  int total = 0;

  for (int k = 0; k < FS_KIND__COUNT; k++)
    total += fs__kind_def((fs_kind)k)->nfields;
  n %= (unsigned)total;
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    if (n < (unsigned)kd->nfields)
      return &kd->fields[n];
    n -= (unsigned)kd->nfields;
  }
  return NULL;
}

static void check_err(const fs_field *f, int rc, const char *err, size_t errlen) {
  if (memchr(err, '\0', errlen) == NULL)
    __builtin_trap();
  if (rc != 0 && (err[0] == '\0' || strncmp(err, f->name, strlen(f->name)) != 0))
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const fs_field *f;
  fs_value v = {FS_V_NULL, 0, NULL, 0};
  char err[256];
  char small[9];
  int rc, rd, rdt;

  if (size < 1)
    return 0;
  f = pick_field(data[0]);
  if (f == NULL)
    __builtin_trap();
  if (fs__value_set_text(&v, (const char *)data + 1, size - 1) != 0)
    return 0;

  /* As text against its own field (a type mismatch for INT/BOOL). */
  memset(err, 'x', sizeof(err));
  rc = fs__validate_value(f, &v, err, sizeof(err));
  check_err(f, rc, err, sizeof(err));
  if ((f->type == FS_FT_INT || f->type == FS_FT_BOOL) && rc == 0)
    __builtin_trap();
  if (rc == 0 && f->type == FS_FT_TEXT &&
      (fs__valid_utf8(v.s, v.len) != 0 || v.len > (size_t)f->max))
    __builtin_trap();
  /* A tiny buffer must truncate safely. */
  memset(small, 'x', sizeof(small));
  if (fs__validate_value(f, &v, small, sizeof(small)) != rc)
    __builtin_trap();
  if (memchr(small, '\0', sizeof(small)) == NULL)
    __builtin_trap();

  /* The raw checkers, on the NUL-terminated copy. */
  rd = fs__valid_date(v.s);
  rdt = fs__valid_datetime(v.s);
  if (rd == 0 && rdt == 0)
    __builtin_trap();
  if (strlen(v.s) == v.len) {
    if (f->type == FS_FT_DATE && (rc == 0) != (rd == 0))
      __builtin_trap();
    if (f->type == FS_FT_DATETIME && (rc == 0) != (rdt == 0))
      __builtin_trap();
  }
  if (rd == 0 || rdt == 0) {
    int64_t d, s;
    if (fs__date_parse(v.s, &d) != 0 || fs__datetime_parse(v.s, &s) != 0)
      __builtin_trap();
    if (s / 86400 != d && !(s < 0))
      __builtin_trap();
  }
  (void)fs__valid_utf8((const char *)data + 1, size - 1);

  /* The same text as an amount of money. */
  if (strlen(v.s) == v.len) {
    int64_t m = 0, back = 0;
    char txt[FS__MONEY_TEXT_MAX];
    if (fs__money_parse(v.s, &m) == 0) {
      if (m > FS_MONEY_MINOR_MAX || m < -FS_MONEY_MINOR_MAX)
        __builtin_trap();
      if (fs__money_format(m, txt, sizeof(txt)) <= 0 || fs__money_parse(txt, &back) != 0 ||
          back != m)
        __builtin_trap();
    }
  }

  /* The same bytes read as an integer, against an INT-family field. */
  if (size >= 9) {
    int64_t i;
    memcpy(&i, data + 1, sizeof(i));
    fs__value_set_int(&v, i);
    rc = fs__validate_value(f, &v, err, sizeof(err));
    check_err(f, rc, err, sizeof(err));
    if (rc == 0 && f->type != FS_FT_INT && f->type != FS_FT_BOOL)
      __builtin_trap();
    if (rc == 0 && (i < f->min || i > f->max))
      __builtin_trap();
  }
  fs__value_free(&v);
  return 0;
}
