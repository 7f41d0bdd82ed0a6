/* modeldoc.c - the model section of PROTOCOL.md and its JSON twin
 * (modeldoc.h).  Everything per kind and per field comes from the model
 * table (model.c); the prose around it states the rules that the
 * validator (validate.c), the merge (store.c) and the daemon's apply
 * (daemon/store/push.c) enforce for every field of a type or flag. */
#include "modeldoc.h"

#include <inttypes.h>
#include <string.h>

#include "fs_errno.h"
#include "json.h"
#include "model.h"

/* ---- shared descriptions --------------------------------------------- */

static const char *type_name(fs_ftype t) {
  switch (t) {
  case FS_FT_TEXT:
    return "text";
  case FS_FT_INT:
    return "int";
  case FS_FT_BOOL:
    return "bool";
  case FS_FT_DATE:
    return "date";
  case FS_FT_DATETIME:
    return "datetime";
  case FS_FT_ENUM:
    return "enum";
  case FS_FT_REF:
    return "ref";
  case FS_FT_STAFF:
    return "staff";
  }
  return "?";
}

/* The msgpack form of a non-nil value of type t. */
static const char *type_msgpack(fs_ftype t) {
  return t == FS_FT_INT || t == FS_FT_BOOL ? "int" : "str";
}

/* One row per type: name, msgpack, rule.  The rules are validate.c's. */
static const struct {
  fs_ftype type;
  const char *rule;
} type_rules[] = {
    {FS_FT_TEXT, "UTF-8 without NUL, at most the field's byte limit (bytes, not "
                 "characters: a Chinese character takes 3); single-line text holds no "
                 "control character (C0, DEL, C1), multi-line text may also hold line "
                 "feed and tab; \"\" is a value"},
    {FS_FT_INT, "an integer within the field's min .. max"},
    {FS_FT_BOOL, "the integer 0 (false) or 1 (true); msgpack true/false is not a "
                 "`value` (5.3): a PUSH carrying one does not decode, ERROR FS_EPROTO "
                 "and the connection closes (5.1)"},
    {FS_FT_DATE, "`YYYY-MM-DD`, a real calendar date (leap years counted), years "
                 "1900..2999"},
    {FS_FT_DATETIME, "`YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (a space instead of "
                     "`T` is accepted and stored as sent; fieldsync sends only "
                     "`YYYY-MM-DDTHH:MM:SS` since issue 15), a real date as for `date`, "
                     "00:00 .. 23:59:59"},
    {FS_FT_ENUM, "exactly one of the field's values (case-sensitive)"},
    {FS_FT_REF, "the id (32 lowercase hex characters) of a record of the named kind"},
    {FS_FT_STAFF, "a staff code: `[A-Z][A-Z0-9]{1,15}`"},
};
#define NTYPES ((int)(sizeof(type_rules) / sizeof(type_rules[0])))

static const struct {
  const char *name, *wire, *meaning;
} system_fields[] = {
    {"id", "change/row `id`",
     "32 lowercase hex characters, made on the device: 48 bits of milliseconds, 80 "
     "random bits (common/id.h)"},
    {"owner", "change/row `owner`",
     "staff code that owns the record; the daemon decides it (\"what the daemon "
     "sets itself\"), the device's claim is checked, never trusted"},
    {"author", "change/row `author`",
     "staff code that created the record; set by the daemon on create, never "
     "changes"},
    {"hlc", "change/row `hlc`", "newest field clock of the record"},
    {"deleted", "change `op` 2, row `deleted`", "tombstone (5.5.6)"},
    {"clk", "fieldwrite `hlc`, row `clk`", "one clock per field: its last write"},
};
#define NSYS ((int)(sizeof(system_fields) / sizeof(system_fields[0])))

static const struct {
  unsigned flag;
  const char *name;
} field_flags[] = {
    {FS_F_REQUIRED, "required"}, {FS_F_IMMUTABLE, "immutable"}, {FS_F_UNIQUE, "unique"},
    {FS_F_KEY, "key"},           {FS_F_PERSONAL, "personal"},   {FS_F_SEARCH, "search"},
    {FS_F_MONEY, "money"},
};
#define NFLAGS ((int)(sizeof(field_flags) / sizeof(field_flags[0])))

/* Appends s with '|' escaped, for a Markdown table cell. */
static void md_cell(fs__strbuf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '|')
      fs__strbuf_append(b, "\\|", 2);
    else
      fs__strbuf_append(b, s, 1);
  }
}

/* "limits / values" of field f, in Markdown. */
static void md_limits(fs__strbuf *b, const fs_field *f) {
  switch (f->type) {
  case FS_FT_TEXT:
    fs__strbuf_printf(b, "<= %" PRId64 " bytes, %s", f->max,
                      (f->flags & FS_F_MULTILINE) ? "multi-line" : "single-line");
    return;
  case FS_FT_INT:
    fs__strbuf_printf(b, "%" PRId64 " .. %" PRId64, f->min, f->max);
    return;
  case FS_FT_BOOL:
    fs__strbuf_printf(b, "0 or 1");
    return;
  case FS_FT_DATE:
    fs__strbuf_printf(b, "YYYY-MM-DD");
    return;
  case FS_FT_DATETIME:
    fs__strbuf_printf(b, "YYYY-MM-DDTHH:MM[:SS]");
    return;
  case FS_FT_ENUM:
    for (int i = 0; f->enum_values && f->enum_values[i]; i++)
      fs__strbuf_printf(b, "%s`%s`", i ? ", " : "", f->enum_values[i]);
    return;
  case FS_FT_REF:
    fs__strbuf_printf(b, "id of a `%s`", fs__kind_def(f->ref_kind)->name);
    return;
  case FS_FT_STAFF:
    fs__strbuf_printf(b, "staff code");
    return;
  }
}

static void md_flags(fs__strbuf *b, unsigned flags) {
  int n = 0;

  for (int i = 0; i < NFLAGS; i++)
    if (flags & field_flags[i].flag)
      fs__strbuf_printf(b, "%s%s", n++ ? ", " : "", field_flags[i].name);
  if (n == 0)
    fs__strbuf_printf(b, "-");
}

/* ---- Markdown ---------------------------------------------------------- */

static const char md_rules[] =
    "Every record kind below is a list of fields.  A change (5.5.3) writes some of\n"
    "them by name; a PULL_BATCH row (5.5.6) carries all of them.  A field's\n"
    "`value` (5.3) is nil (the field is empty; this clears it, whatever its\n"
    "type) or the msgpack type of its field type:\n"
    "\n";

static const char md_dates[] =
    "\n"
    "Dates and datetimes carry no time zone and are not clocks: a `date` is a\n"
    "day of the rep's calendar, a `datetime` the local wall-clock time written\n"
    "on the form (common/date.h: a naive proleptic Gregorian calendar, no leap\n"
    "seconds).  No program converts them; the device writes what the rep\n"
    "entered and every replica and report reads the same text.  Ordering\n"
    "clocks are the `hlc` values (UTC milliseconds, 5.3).  The empty text \"\" is\n"
    "a valid `text` value but not a valid `date`, `datetime`, `enum`, `ref` or\n"
    "`staff` value: clear those with nil.\n"
    "\n"
    "\"Today\" is one rule (common/date.h `fs__today`): the calendar day in the\n"
    "local time zone of the program that reads the clock.  On a device that is\n"
    "the rep's local day (the dates a form fills in, the archive year, the\n"
    "agenda's and cadence's today); in the daemon it is the day in\n"
    "fieldsyncd's time zone (set TZ to the office's): cover days, the\n"
    "cover/loan sweep, the handover report's follow-up counts.  The daemon\n"
    "never shifts a device's dates: a rep in UTC+8 who logs a visit at 00:30\n"
    "local time on 03-11 stores 03-11, and the daemon keeps 03-11 whatever its\n"
    "own zone.\n"
    "\n"
    "Every record also has these system columns, which are not field writes:\n"
    "\n";

static const char md_flags_text[] =
    "\n"
    "Field flags (the `flags` column):\n"
    "\n"
    "- **required**: a create (an upsert of an id the central store does not\n"
    "  hold, not even as a tombstone) must carry the field, neither nil nor\n"
    "  blank (only spaces, tabs, line breaks or U+3000); an update may not\n"
    "  blank it.\n"
    "- **immutable**: written by the create only.  An update of an existing\n"
    "  record that carries the field at all, even with the stored value, is\n"
    "  rejected - except in append-only kinds, where every later write is\n"
    "  a duplicate or superseded (7.2), never rejected for this.\n"
    "- **unique**: no two records of the kind (tombstones included) hold the\n"
    "  same non-nil value in the central store (a unique index there); a\n"
    "  create that would break it is rejected with `FS_EVALIDATE`.  Devices\n"
    "  make archive numbers that cannot collide (common/archive.h).\n"
    "- **key**: names the record or its parent; kept on a tombstone, where\n"
    "  every other field is cleared (5.5.6).\n"
    "- **personal**: personal data of a natural person, printed by `fieldsyncd\n"
    "  person export` and cleared by `person erase` (docs/RETENTION.md).\n"
    "- **search**: part of the client's customer search (no wire meaning).\n"
    "- **money**: an amount in minor units (1/100 of the currency unit) on the\n"
    "  wire and in storage; clients show and take currency units\n"
    "  (`12,345.60` is 1234560).\n"
    "\n"
    "A change that breaks a type, limit, value list or flag rule is rejected\n"
    "alone: PUSH_RESULT outcome 4, `FS_EVALIDATE`, the `reason` naming the\n"
    "field and what would be accepted (e.g. `grade: \"X\" is not one of O, A,\n"
    "B, C, delivered, lost`); a field name the daemon does not know is\n"
    "`FS_EUNKNOWN_FIELD` (5.5.3).  The same validator (common/validate.c)\n"
    "runs on the device before a change is stored.\n"
    "\n"
    "What the daemon sets itself, whatever the device claims\n"
    "(daemon/store/push.c): `author` of a new record is the staff member of the\n"
    "pushing device, of an existing record its stored author; `owner` of an\n"
    "existing record is its stored owner, of a new child record (kinds marked\n"
    "*child*) the owner of its customer (a child naming a missing or deleted\n"
    "customer is rejected with `FS_ENOTFOUND`), of a new customer, showroom\n"
    "entry, day sign-off or activity plan the `owner` the device claims, after the access check (a departed\n"
    "rep's new customers go to the successor).  Handovers move children with\n"
    "their customer.\n";

static void md_kind(fs__strbuf *b, const fs_kind_def *kd) {
  fs__strbuf_printf(b, "\n#### Kind `%s`\n\nSQL table `%s`, %d fields.", kd->name,
                    kd->table, kd->nfields);
  if (kd->flags & FS_K_APPEND_ONLY)
    fs__strbuf_printf(b, "  *Append-only*: written once; a later write is a duplicate "
                         "(applied) or superseded (7.2).");
  if (kd->flags & FS_K_CHILD)
    fs__strbuf_printf(b,
                      "  *Child* of the customer in `%s`: owned by that customer's "
                      "owner.",
                      kd->fields[kd->parent_field].name);
  if (kd->model > 1)
    fs__strbuf_printf(b,
                      "  Model generation %d: sent only to devices whose HELLO `model` "
                      "is %d or more (8.1).",
                      kd->model, kd->model);
  fs__strbuf_printf(b, "\n\n| field | type | limits / values | flags | meaning |\n"
                       "|-------|------|-----------------|-------|---------|\n");
  for (int i = 0; i < kd->nfields; i++) {
    const fs_field *f = &kd->fields[i];
    fs__strbuf_printf(b, "| `%s` | %s | ", f->name, type_name(f->type));
    md_limits(b, f);
    fs__strbuf_printf(b, " | ");
    md_flags(b, f->flags);
    fs__strbuf_printf(b, " | ");
    md_cell(b, f->label);
    fs__strbuf_printf(b, " |\n");
  }
}

int fs__modeldoc_markdown(fs__strbuf *b) {
  if (b == NULL)
    return FS_EINVAL;
  fs__strbuf_printf(b, "%s\n", FS_MODELDOC_BEGIN);
  fs__strbuf_printf(
      b, "<!-- Generated from common/model.c by `fieldsyncd schema --markdown`;"
         " do not edit by hand: the test int_protocol_model fails when this "
         "differs. -->\n\n");
  fs__strbuf_printf(b, "%s", md_rules);
  fs__strbuf_printf(b, "| type | msgpack | rule |\n|------|---------|------|\n");
  for (int i = 0; i < NTYPES; i++) {
    fs__strbuf_printf(b, "| `%s` | %s | ", type_name(type_rules[i].type),
                      type_msgpack(type_rules[i].type));
    md_cell(b, type_rules[i].rule);
    fs__strbuf_printf(b, " |\n");
  }
  fs__strbuf_printf(b, "%s", md_dates);
  fs__strbuf_printf(
      b, "| column | on the wire | meaning |\n|--------|-------------|---------|\n");
  for (int i = 0; i < NSYS; i++)
    fs__strbuf_printf(b, "| `%s` | %s | %s |\n", system_fields[i].name,
                      system_fields[i].wire, system_fields[i].meaning);
  fs__strbuf_printf(b, "%s", md_flags_text);
  for (int k = 0; k < FS_KIND__COUNT; k++)
    md_kind(b, fs__kind_def((fs_kind)k));
  fs__strbuf_printf(b, "%s\n", FS_MODELDOC_END);
  return b->overflow ? FS_EOVERFLOW : 0;
}

/* ---- JSON -------------------------------------------------------------- */

/* Through the one JSON writer (json.h), laid out for people too: ", " and
 * ": ", one line per type, system field, kind and field. */

static void js_str(fs_json *j, const char *key, const char *v) {
  fs__json_key(j, key);
  fs__json_string(j, v);
}

static void js_int(fs_json *j, const char *key, int64_t v) {
  fs__json_key(j, key);
  fs__json_int(j, v);
}

static void js_bool(fs_json *j, const char *key, int v) {
  fs__json_key(j, key);
  fs__json_bool(j, v);
}

static void js_field(fs_json *j, const fs_field *f) {
  fs__json_begin_object(j);
  js_str(j, "name", f->name);
  js_str(j, "type", type_name(f->type));
  js_str(j, "msgpack", type_msgpack(f->type));
  switch (f->type) {
  case FS_FT_TEXT:
    js_int(j, "max_bytes", f->max);
    break;
  case FS_FT_INT:
  case FS_FT_BOOL:
    js_int(j, "min", f->min);
    js_int(j, "max", f->max);
    break;
  case FS_FT_DATE:
    js_str(j, "format", "YYYY-MM-DD");
    break;
  case FS_FT_DATETIME:
    js_str(j, "format", "YYYY-MM-DDTHH:MM[:SS]");
    break;
  case FS_FT_ENUM:
    fs__json_key(j, "values");
    fs__json_begin_array(j);
    for (int i = 0; f->enum_values && f->enum_values[i]; i++)
      fs__json_string(j, f->enum_values[i]);
    fs__json_end_array(j);
    break;
  case FS_FT_REF:
    js_str(j, "ref_kind", fs__kind_def(f->ref_kind)->name);
    break;
  case FS_FT_STAFF:
    js_str(j, "pattern", "[A-Z][A-Z0-9]{1,15}");
    break;
  }
  js_bool(j, "multiline", (f->flags & FS_F_MULTILINE) != 0);
  for (int i = 0; i < NFLAGS; i++)
    js_bool(j, field_flags[i].name, (f->flags & field_flags[i].flag) != 0);
  js_str(j, "label", f->label);
  fs__json_end_object(j);
}

static void js_kind(fs_json *j, const fs_kind_def *kd) {
  fs__json_begin_object(j);
  js_str(j, "name", kd->name);
  js_str(j, "table", kd->table);
  js_bool(j, "append_only", (kd->flags & FS_K_APPEND_ONLY) != 0);
  js_bool(j, "child", (kd->flags & FS_K_CHILD) != 0);
  js_str(j, "parent_field",
         kd->parent_field >= 0 ? kd->fields[kd->parent_field].name : NULL);
  js_int(j, "model", kd->model);
  fs__json_break(j, 3);
  fs__json_key(j, "fields");
  fs__json_begin_array(j);
  for (int i = 0; i < kd->nfields; i++) {
    fs__json_break(j, 4);
    js_field(j, &kd->fields[i]);
  }
  fs__json_end_array(j);
  fs__json_end_object(j);
}

int fs__modeldoc_json(fs__strbuf *b) {
  fs_json j;

  if (b == NULL)
    return FS_EINVAL;
  fs__json_init_buf(&j, b);
  fs__json_spaced(&j, 1);
  fs__json_begin_object(&j);
  js_int(&j, "format", 1);
  js_str(&j, "source", "common/model.c");
  fs__json_break(&j, 1);
  fs__json_key(&j, "types");
  fs__json_begin_array(&j);
  for (int i = 0; i < NTYPES; i++) {
    fs__json_break(&j, 2);
    fs__json_begin_object(&j);
    js_str(&j, "name", type_name(type_rules[i].type));
    js_str(&j, "msgpack", type_msgpack(type_rules[i].type));
    js_str(&j, "rule", type_rules[i].rule);
    fs__json_end_object(&j);
  }
  fs__json_end_array(&j);
  fs__json_break(&j, 1);
  fs__json_key(&j, "system_fields");
  fs__json_begin_array(&j);
  for (int i = 0; i < NSYS; i++) {
    fs__json_break(&j, 2);
    fs__json_begin_object(&j);
    js_str(&j, "name", system_fields[i].name);
    js_str(&j, "meaning", system_fields[i].meaning);
    fs__json_end_object(&j);
  }
  fs__json_end_array(&j);
  fs__json_break(&j, 1);
  fs__json_key(&j, "kinds");
  fs__json_begin_array(&j);
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    fs__json_break(&j, 2);
    js_kind(&j, fs__kind_def((fs_kind)k));
  }
  fs__json_end_array(&j);
  fs__json_end_object(&j);
  return fs__json_finish(&j);
}
