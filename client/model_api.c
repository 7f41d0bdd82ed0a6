/* model_api.c - the public face of the model table (fieldsync.h "the
 * model"): kinds and fields for building forms, and the device's dates.
 * Static data only: every call is thread-safe. */
#include <string.h>

#include "date.h"
#include "fieldsync.h"
#include "model.h"
#include "suggest.h"
#include "validate.h"

/* The public constants mirror the model's: one table, two spellings. */
_Static_assert(FS_TYPE_TEXT == (int)FS_FT_TEXT && FS_TYPE_STAFF == (int)FS_FT_STAFF &&
                   FS_TYPE_ENUM == (int)FS_FT_ENUM && FS_TYPE_REF == (int)FS_FT_REF,
               "fs_field_type mirrors fs_ftype");
_Static_assert(FS_FIELD_REQUIRED == FS_F_REQUIRED &&
                   FS_FIELD_IMMUTABLE == FS_F_IMMUTABLE &&
                   FS_FIELD_SEARCH == FS_F_SEARCH &&
                   FS_FIELD_MULTILINE == FS_F_MULTILINE && FS_FIELD_KEY == FS_F_KEY &&
                   FS_FIELD_PERSONAL == FS_F_PERSONAL && FS_FIELD_UNIQUE == FS_F_UNIQUE &&
                   FS_FIELD_MONEY == FS_F_MONEY,
               "FS_FIELD_* mirror FS_F_*");
_Static_assert(FS_KIND_IS_APPEND_ONLY == FS_K_APPEND_ONLY &&
                   FS_KIND_IS_CHILD == FS_K_CHILD,
               "FS_KIND_IS_* mirror FS_K_*");
_Static_assert(FS_STAFF_CODE_MAX == FS_STAFF_MAX && FS_ID_MAX == FS_ID_HEX,
               "public sizes mirror the model's");

const char *fs_kind_at(int i) {
  if (i < 0 || i >= FS_KIND__COUNT)
    return NULL;
  return fs__kind_def((fs_kind)i)->name;
}

const char *fs_kind_label(const char *kind) {
  const fs_kind_def *kd = kind ? fs__kind_by_name(kind) : NULL;

  if (kind == NULL)
    return "";
  return kd ? fs__kind_label(kd) : kind;
}

int fs_kind_describe(const char *kind, fs_kind_info *out) {
  const fs_kind_def *kd = kind ? fs__kind_by_name(kind) : NULL;

  if (kd == NULL || out == NULL)
    return FS_EINVAL;
  out->name = kd->name;
  out->flags = kd->flags;
  out->nfields = kd->nfields;
  return 0;
}

static void describe(const fs_field *f, fs_field_info *out) {
  out->name = f->name;
  out->label = f->label;
  out->type = (fs_field_type)f->type;
  out->flags = f->flags;
  out->values = f->type == FS_FT_ENUM ? f->enum_values : NULL;
  out->min = f->min;
  out->max = f->max;
  out->ref_kind = f->type == FS_FT_REF ? fs__kind_def(f->ref_kind)->name : NULL;
}

int fs_field_describe(const char *kind, int i, fs_field_info *out) {
  const fs_kind_def *kd = kind ? fs__kind_by_name(kind) : NULL;

  if (kd == NULL || out == NULL)
    return FS_EINVAL;
  if (i < 0 || i >= kd->nfields)
    return FS_ENOTFOUND;
  describe(&kd->fields[i], out);
  return 0;
}

int fs_field_find(const char *kind, const char *field, int *index, fs_field_info *out) {
  const fs_kind_def *kd = kind ? fs__kind_by_name(kind) : NULL;
  int i;

  if (kd == NULL)
    return FS_EINVAL;
  i = field ? fs__field_index(kd, field) : -1;
  if (i < 0)
    return FS_EUNKNOWN_FIELD;
  if (index)
    *index = i;
  if (out)
    describe(&kd->fields[i], out);
  return 0;
}

const char *fs_field_enum_match(const char *kind, const char *field, const char *text) {
  const fs_kind_def *kd = kind ? fs__kind_by_name(kind) : NULL;
  int i = kd && field ? fs__field_index(kd, field) : -1;

  if (i < 0 || kd->fields[i].type != FS_FT_ENUM)
    return NULL;
  return fs__enum_match(kd->fields[i].enum_values, text);
}

void fs_today(char out[FS_DATE_MAX + 1]) {
  fs__today(out);
}

int fs_date_valid(const char *text, int datetime) {
  if (fs__valid_date(text) == 0)
    return 0;
  return datetime && fs__valid_datetime(text) == 0 ? 0 : FS_EVALIDATE;
}
