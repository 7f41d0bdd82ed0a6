/* model.h - the fieldsync domain as data: record kinds and their fields.
 *
 * One table describes every replicated record kind (see ../shared/domain.md
 * for the terms).  Everything generic is driven from it, once:
 *   - the SQLite schema (common/schema.c) for replica and central store,
 *   - validation (common/validate.c), run by both client and daemon,
 *   - the change codec on the wire (proto/), and the field-level merge.
 *
 * Field order inside a kind is part of the storage format (per-field clocks
 * are kept by index) but NOT of the wire format, which names fields.  Append
 * new fields at the end of a kind; never reorder or remove.
 *
 * Every replicated table also has these system columns, which are not in
 * the field list:
 *   id      TEXT PRIMARY KEY  32 lowercase hex chars (fs__id), made on device
 *   owner   TEXT NOT NULL     staff code that owns it (for child records the
 *                             owner of their customer; kept in step by the
 *                             daemon on handover)
 *   author  TEXT NOT NULL     staff code who created it; never changes
 *   hlc     INTEGER           newest field clock of the row
 *   deleted INTEGER           0 or 1 (tombstone)
 *   clk     BLOB              nfields x 8-byte little-endian HLCs, one per
 *                             field, the clock of that field's last write
 */
#ifndef FS_MODEL_H
#define FS_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum fs_kind {
  FS_KIND_CUSTOMER = 0,
  FS_KIND_GRADE_CHANGE,
  FS_KIND_CONTACT,
  FS_KIND_VISIT,
  FS_KIND_OPPORTUNITY,
  FS_KIND_SHOWROOM,
  FS_KIND_LOST_REVIEW,
  /* model generation 2 (issue 14): the manager's controls and sales history */
  FS_KIND_DAY_SIGNOFF,
  FS_KIND_ACTIVITY_PLAN,
  FS_KIND_SALES_PERIOD,
  FS_KIND__COUNT
} fs_kind;

typedef enum fs_ftype {
  FS_FT_TEXT = 1, /* UTF-8, max_len bytes */
  FS_FT_INT,      /* int64 within [min,max] */
  FS_FT_BOOL,     /* 0 or 1 */
  FS_FT_DATE,     /* "YYYY-MM-DD", a real calendar date */
  FS_FT_DATETIME, /* "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" */
  FS_FT_ENUM,     /* one of enum_values */
  FS_FT_REF,      /* id of a record of kind ref_kind (32 hex) */
  FS_FT_STAFF     /* a staff code, e.g. A01: [A-Z][A-Z0-9]{1,15} */
} fs_ftype;

/* Field flags. */
#define FS_F_REQUIRED 0x01  /* must be present and non-empty on create */
#define FS_F_IMMUTABLE 0x02 /* may be set on create only */
#define FS_F_SEARCH 0x04    /* part of customer search */
/* TEXT that may hold line breaks and tabs (notes, points, reasons); every
 * other text is single-line: no control character at all (validate.h). */
#define FS_F_MULTILINE 0x08
/* Names the record (archive number) or its parent (customer_id of a
 * child), not its content: kept on a tombstone, where every other field is
 * cleared (store.c). */
#define FS_F_KEY 0x10
/* Personal data of a natural person (the customer, its principal, a
 * contact, a visitor): printed by `fieldsyncd person export`, cleared by
 * `person erase` (daemon/store/privacy.c, docs/RETENTION.md). */
#define FS_F_PERSONAL 0x20
/* No two records of the kind share a value (nil excepted) in the central
 * store: a unique index there (common/schema.c, checked against this flag
 * by test_common_modeldoc); a create that would break it is rejected. */
#define FS_F_UNIQUE 0x40
/* An amount of money (FS_FT_INT): stored and sent in minor units (cents,
 * fen), typed and shown in currency units (common/money.h). */
#define FS_F_MONEY 0x80
/* The service part of a delivered customer's card (背面由售后服务人员完成,
 * issue 14): the only fields after-sales staff (role after_sales) may
 * write, on delivered cards of their team (access_rules.h rule A1). */
#define FS_F_SERVICE 0x100

typedef struct fs_field {
  const char *name;         /* column and wire name, snake_case ASCII */
  fs_ftype type;
  unsigned flags;
  const char *const *enum_values; /* NULL-terminated, for FS_FT_ENUM */
  int64_t min, max;         /* FS_FT_INT bounds; FS_FT_TEXT: max = bytes */
  fs_kind ref_kind;         /* FS_FT_REF */
  const char *label;        /* human label, English / 中文 */
} fs_field;

/* Kind flags. */
#define FS_K_APPEND_ONLY 0x01 /* log-like: fields never change after create
                                 except those marked mutable below; merges
                                 never overwrite them */
#define FS_K_CHILD 0x02       /* belongs to a customer via customer_id */

typedef struct fs_kind_def {
  fs_kind kind;
  const char *name;  /* "customer" - wire and CLI name */
  const char *table; /* "customers" - SQL table */
  unsigned flags;
  const fs_field *fields;
  int nfields;
  int parent_field;  /* index of customer_id for FS_K_CHILD, else -1 */
  int model;         /* the model generation that introduced the kind */
} fs_kind_def;

/* Model generations.  A kind belongs to the generation that introduced it:
 * 1 = the kinds of release 0.1.0 (customer ... lost_review), 2 = day_signoff,
 * activity_plan, sales_period.  A device names the newest generation it
 * decodes in HELLO `model` (none = 1); the daemon never sends it records of
 * a later generation (a previous-release client stops at a kind it does not
 * know, PROTOCOL.md 8.1).  New fields of an existing kind need no new
 * generation: receivers apply rows without the columns they do not know. */
#define FS_MODEL_GENERATION 2
#define FS_MODEL_GENERATION_V010 1 /* what a HELLO without `model` means */

/* Enumerations shared by several kinds. NULL-terminated. */
extern const char *const fs__grades[];        /* O A B C delivered lost */
extern const char *const fs__stages[];        /* contact ... contract */
extern const char *const fs__lost_classes[]; /* price product ... other */
extern const char *const fs__visit_methods[]; /* in_person phone ... */
extern const char *const fs__attitudes[];     /* enthusiastic normal cold */
extern const char *const fs__buying_roles[];  /* technical business ... */
extern const char *const fs__stances[];       /* support neutral oppose */
extern const char *const fs__tiers[];         /* none diamond gold silver */
extern const char *const fs__opp_status[];    /* open won lost */
extern const char *const fs__answers[];       /* unknown yes no */
extern const char *const fs__roles[];         /* rep manager admin after_sales */
extern const char *const fs__showroom_channels[]; /* walk_in phone */

/* fs__kind_def returns the table entry for k, or NULL if out of range. */
const fs_kind_def *fs__kind_def(fs_kind k);
/* What people call a record of kind kd ("grade change", "lost sale"):
 * both programs print this, never the wire name (issue 15).  "" for NULL. */
const char *fs__kind_label(const fs_kind_def *kd);
/* fs__kind_by_name finds "customer" etc.; NULL if unknown. */
const fs_kind_def *fs__kind_by_name(const char *name);
/* fs__field_index returns the index of field `name` in kd, or -1. */
int fs__field_index(const fs_kind_def *kd, const char *name);
/* 1 if field f of kd survives a delete (FS_F_KEY): a tombstone keeps its
 * id, owner, author, clocks and these, nothing else. */
int fs__field_kept_on_tombstone(const fs_kind_def *kd, int f);
/* fs__enum_index returns the position of s in the NULL-terminated list, or
 * -1 if s is not one of the values. */
int fs__enum_index(const char *const *values, const char *s);

/* ---- values and records ------------------------------------------------ */

typedef enum fs_vtype { FS_V_NULL = 0, FS_V_INT, FS_V_TEXT } fs_vtype;

/* A field value.  TEXT values own their bytes (heap, NUL-terminated; len
 * excludes the NUL). */
typedef struct fs_value {
  fs_vtype type;
  int64_t i;
  char *s;
  size_t len;
} fs_value;

void fs__value_free(fs_value *v); /* frees text, sets NULL; takes NULL */
int fs__value_set_text(fs_value *v, const char *s, size_t len); /* copies */
void fs__value_set_int(fs_value *v, int64_t i);
int fs__value_copy(fs_value *dst, const fs_value *src);
int fs__value_equal(const fs_value *a, const fs_value *b);

/* One changed field of a change. */
typedef struct fs_field_change {
  int field;    /* index into the kind's fields */
  uint64_t hlc; /* clock of this write */
  fs_value value;
  /* The field clock the writer's replica held when the write was made (the
   * clock of the value it replaced; 0: none, or not known).  Decides only
   * whether overwriting a stored value is logged as a conflict
   * (fs__write_saw, store.h), never which write wins. */
  uint64_t base;
} fs_field_change;

typedef enum fs_op { FS_OP_UPSERT = 1, FS_OP_DELETE = 2 } fs_op;

/* A change to one record: what the outbox stores and PUSH carries.
 * change_id is (device_id, counter): unique across the whole system, so the
 * daemon applies a retried change exactly once. */
typedef struct fs_change {
  fs_kind kind;
  char id[33];         /* record id, hex */
  fs_op op;
  char owner[17];      /* staff code the device claims; daemon re-checks */
  char author[17];
  uint64_t device_id;  /* daemon-assigned device number */
  uint64_t counter;    /* device-local monotonic counter */
  uint64_t hlc;        /* clock of the change (max of field clocks) */
  int nfields;
  fs_field_change *fields; /* heap, nfields entries */
} fs_change;

/* The value change c writes to field `name` (a written NULL is a value of
 * type FS_V_NULL), or NULL if it does not write it (c may be NULL). */
const fs_value *fs__change_written(const fs_change *c, const char *name);

void fs__change_release(fs_change *c); /* frees fields; takes NULL */

#define FS_ID_HEX 32
#define FS_STAFF_MAX 16

#endif
