/* test_common_modeldoc.c - the published data model (common/modeldoc.h):
 * the JSON is valid JSON holding every kind and every field in model
 * order with its type data; the Markdown has its markers and every field;
 * the "unique" flag is exactly the central store's unique indexes.
 * (PROTOCOL.md against the Markdown: tests/integration/protocol_model.sh.) */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "model.h"
#include "modeldoc.h"
#include "schema.h"

/* ---- a strict RFC 8259 checker: 1 if s[0..len) is one JSON value ------- */

typedef struct jp {
  const char *p, *end;
  int depth;
} jp;

static void ws(jp *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
    j->p++;
}

static int lit(jp *j, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
    return 0;
  j->p += n;
  return 1;
}

static int jstring(jp *j) {
  if (j->p >= j->end || *j->p != '"')
    return 0;
  for (j->p++; j->p < j->end; j->p++) {
    unsigned char c = (unsigned char)*j->p;
    if (c == '"') {
      j->p++;
      return 1;
    }
    if (c < 0x20)
      return 0;
    if (c == '\\') {
      if (++j->p >= j->end)
        return 0;
      if (*j->p == 'u') {
        for (int i = 0; i < 4; i++)
          if (++j->p >= j->end || *j->p == '\0' ||
              !strchr("0123456789abcdefABCDEF", *j->p))
            return 0;
      } else if (*j->p == '\0' || !strchr("\"\\/bfnrt", *j->p)) {
        return 0;
      }
    }
  }
  return 0;
}

static int jnumber(jp *j) {
  const char *s = j->p;
  if (j->p < j->end && *j->p == '-')
    j->p++;
  if (j->p >= j->end || *j->p < '0' || *j->p > '9')
    return 0;
  if (*j->p == '0')
    j->p++;
  else
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
      j->p++;
  return j->p > s; /* the model has integers only */
}

static int jvalue(jp *j);

static int jcontainer(jp *j, char open, char close, int object) {
  if (++j->depth > 32)
    return 0;
  j->p++; /* open */
  (void)open;
  ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    j->depth--;
    return 1;
  }
  for (;;) {
    ws(j);
    if (object) {
      if (!jstring(j))
        return 0;
      ws(j);
      if (j->p >= j->end || *j->p++ != ':')
        return 0;
    }
    if (!jvalue(j))
      return 0;
    ws(j);
    if (j->p >= j->end)
      return 0;
    if (*j->p == ',') {
      j->p++;
      continue;
    }
    if (*j->p++ != close)
      return 0;
    j->depth--;
    return 1;
  }
}

static int jvalue(jp *j) {
  ws(j);
  if (j->p >= j->end)
    return 0;
  switch (*j->p) {
  case '{':
    return jcontainer(j, '{', '}', 1);
  case '[':
    return jcontainer(j, '[', ']', 0);
  case '"':
    return jstring(j);
  case 't':
    return lit(j, "true");
  case 'f':
    return lit(j, "false");
  case 'n':
    return lit(j, "null");
  default:
    return jnumber(j);
  }
}

static int json_valid(const char *s, size_t len) {
  jp j = {s, s + len, 0};
  if (!jvalue(&j))
    return 0;
  ws(&j);
  return j.p == j.end;
}

static void test_checker_itself(void **state) {
  (void)state;
  static const char *const good[] = {"{\"a\": [1, -2, true, null, \"x\\n\\u00e9\"]}",
                                     "[]", "{}", "0"};
  static const char *const bad[] = {"{\"a\": [1,]}", "{\"a\" 1}", "[1] x",  "\"a\nb\"",
                                    "{\"a\": 01}",   "[",         "\"\\x\""};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
    assert_true(json_valid(good[i], strlen(good[i])));
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_false(json_valid(bad[i], strlen(bad[i])));
}

/* ---- JSON ------------------------------------------------------------- */

/* The position of needle in hay at or after from, or NULL. */
static const char *find_from(const char *from, const char *needle) {
  return from ? strstr(from, needle) : NULL;
}

static void test_json(void **state) {
  fs__strbuf b;
  const char *at;
  char needle[256];
  (void)state;

  fs__strbuf_init(&b, FS_MODELDOC_MAX);
  assert_int_equal(fs__modeldoc_json(&b), 0);
  assert_non_null(b.s);
  assert_true(json_valid(b.s, b.len));
  assert_int_equal(b.s[b.len - 1], '\n');

  /* Every kind, then each of its fields in model order, with its type and
   * the type's own data, before the next kind. */
  at = strstr(b.s, "\"kinds\": [");
  assert_non_null(at);
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    const fs_kind_def *next = fs__kind_def((fs_kind)(k + 1));
    const char *end;

    snprintf(needle, sizeof(needle), "{\"name\": \"%s\", \"table\": \"%s\"", kd->name,
             kd->table);
    at = find_from(at, needle);
    assert_non_null(at);
    snprintf(needle, sizeof(needle), "\"append_only\": %s, \"child\": %s",
             (kd->flags & FS_K_APPEND_ONLY) ? "true" : "false",
             (kd->flags & FS_K_CHILD) ? "true" : "false");
    {
      const char *flags_at = strstr(at, needle), *fields_at = strstr(at, "\"fields\"");
      assert_true(flags_at != NULL && fields_at != NULL && flags_at < fields_at);
    }
    if (next) {
      snprintf(needle, sizeof(needle), "{\"name\": \"%s\", \"table\"", next->name);
      end = strstr(at, needle);
    } else {
      end = b.s + b.len;
    }
    assert_non_null(end);
    for (int i = 0; i < kd->nfields; i++) {
      const fs_field *f = &kd->fields[i];
      static const char *const types[] = {"",         "text", "int", "bool", "date",
                                          "datetime", "enum", "ref", "staff"};
      snprintf(needle, sizeof(needle),
               "{\"name\": \"%s\", \"type\": \"%s\", \"msgpack\": \"%s\"", f->name,
               types[f->type],
               f->type == FS_FT_INT || f->type == FS_FT_BOOL ? "int" : "str");
      at = find_from(at, needle);
      if (at == NULL || at > end)
        fail_msg("JSON lacks %s.%s in order (%s)", kd->name, f->name, needle);
      if (f->type == FS_FT_TEXT)
        snprintf(needle, sizeof(needle), "\"max_bytes\": %lld", (long long)f->max);
      else if (f->type == FS_FT_INT)
        snprintf(needle, sizeof(needle), "\"min\": %lld, \"max\": %lld",
                 (long long)f->min, (long long)f->max);
      else if (f->type == FS_FT_ENUM)
        snprintf(needle, sizeof(needle), "\"values\": [\"%s\"", f->enum_values[0]);
      else if (f->type == FS_FT_REF)
        snprintf(needle, sizeof(needle), "\"ref_kind\": \"%s\"",
                 fs__kind_def(f->ref_kind)->name);
      else
        snprintf(needle, sizeof(needle), "\"multiline\": false");
      /* Within this field's object: before its label. */
      if (strstr(at, needle) == NULL || strstr(at, needle) > strstr(at, "\"label\""))
        fail_msg("JSON %s.%s lacks %s", kd->name, f->name, needle);
      snprintf(needle, sizeof(needle),
               "\"required\": %s, \"immutable\": %s, \"unique\": %s",
               (f->flags & FS_F_REQUIRED) ? "true" : "false",
               (f->flags & FS_F_IMMUTABLE) ? "true" : "false",
               (f->flags & FS_F_UNIQUE) ? "true" : "false");
      assert_true(strstr(at, needle) != NULL &&
                  strstr(at, needle) < strstr(at, "\"label\""));
    }
  }
  /* Deterministic. */
  {
    fs__strbuf b2;
    fs__strbuf_init(&b2, FS_MODELDOC_MAX);
    assert_int_equal(fs__modeldoc_json(&b2), 0);
    assert_string_equal(b.s, b2.s);
    fs__strbuf_release(&b2);
  }
  fs__strbuf_release(&b);
  /* A bound too small is reported, never a cut document. */
  fs__strbuf_init(&b, 100);
  assert_int_equal(fs__modeldoc_json(&b), FS_EOVERFLOW);
  fs__strbuf_release(&b);
  assert_int_equal(fs__modeldoc_json(NULL), FS_EINVAL);
}

/* ---- Markdown ----------------------------------------------------------- */

static void test_markdown(void **state) {
  fs__strbuf b;
  const char *at;
  char needle[256];
  (void)state;

  fs__strbuf_init(&b, FS_MODELDOC_MAX);
  assert_int_equal(fs__modeldoc_markdown(&b), 0);
  assert_int_equal(strncmp(b.s, FS_MODELDOC_BEGIN "\n", strlen(FS_MODELDOC_BEGIN) + 1),
                   0);
  assert_string_equal(b.s + b.len - strlen(FS_MODELDOC_END) - 1, FS_MODELDOC_END "\n");
  /* The markers once each: the section can be cut out of PROTOCOL.md. */
  assert_ptr_equal(strstr(b.s + 1, FS_MODELDOC_BEGIN), NULL);
  at = b.s;
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    snprintf(needle, sizeof(needle), "#### Kind `%s`\n", kd->name);
    at = strstr(at, needle);
    assert_non_null(at);
    for (int i = 0; i < kd->nfields; i++) {
      snprintf(needle, sizeof(needle), "\n| `%s` | ", kd->fields[i].name);
      at = strstr(at, needle);
      if (at == NULL)
        fail_msg("Markdown lacks %s.%s", kd->name, kd->fields[i].name);
    }
  }
  assert_non_null(strstr(b.s, "| `archive_no` | text | <= 40 bytes, single-line | "
                              "immutable, unique, key, search |"));
  assert_non_null(strstr(b.s, "| `key_account` | bool | 0 or 1 |"));
  assert_non_null(strstr(b.s, "msgpack true/false is not a `value`"));
  fs__strbuf_release(&b);
}

/* ---- unique = the central store's unique indexes ----------------------- */

static void test_unique_is_the_index(void **state) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int found[FS_KIND__COUNT][128];
  char sql[256];
  (void)state;

  memset(found, 0, sizeof(found));
  assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
  assert_int_equal(fs__schema_migrate(db, FS_SCHEMA_DAEMON), 0);
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    /* Unique indexes made by CREATE INDEX (not the primary key's) and
     * their single column. */
    snprintf(
        sql, sizeof(sql),
        "SELECT ii.name FROM pragma_index_list('%s') il, pragma_index_info(il.name) ii "
        "WHERE il.\"unique\"=1 AND il.origin='c'",
        kd->table);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
      int f = fs__field_index(kd, (const char *)sqlite3_column_text(st, 0));
      assert_true(f >= 0);
      found[k][f] = 1;
      if (!(kd->fields[f].flags & FS_F_UNIQUE))
        fail_msg("%s.%s has a unique index but no FS_F_UNIQUE", kd->name,
                 kd->fields[f].name);
    }
    sqlite3_finalize(st);
    for (int f = 0; f < kd->nfields; f++)
      if ((kd->fields[f].flags & FS_F_UNIQUE) && !found[k][f])
        fail_msg("%s.%s is FS_F_UNIQUE but has no unique index", kd->name,
                 kd->fields[f].name);
  }
  assert_int_equal(found[FS_KIND_CUSTOMER]
                        [fs__field_index(fs__kind_def(FS_KIND_CUSTOMER), "archive_no")],
                   1);
  sqlite3_close(db);
}

int main(void) {
  fs_test_schema_records_only();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_checker_itself),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_markdown),
      cmocka_unit_test(test_unique_is_the_index),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
