/* test_proto_noise.c - Noise conformance against the cacophony vectors
 * (NN, XX, IK, KK with 25519/ChaChaPoly/BLAKE2b) plus negative cases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include <sodium.h>

#include "fs_errno.h"
#include "noise.h"

#define VECTORS FS_TEST_DATA "/noise/cacophony-25519-chachapoly-blake2b.json"

/* ---- a purpose-built JSON scanner: objects, arrays, strings only ------ */

enum { J_STR = 1, J_OBJ, J_ARR };

typedef struct jnode {
  int type;
  char *key; /* member name inside an object, else NULL */
  char *str; /* J_STR */
  struct jnode *kids;
  size_t nkids;
} jnode;

static void jskip(const char **p) {
  while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
    (*p)++;
}

/* Strings in this file never contain escapes; refuse them to stay honest. */
static char *jstring(const char **p) {
  const char *s;
  char *out;
  if (**p != '"')
    return NULL;
  s = ++(*p);
  while (**p && **p != '"' && **p != '\\')
    (*p)++;
  if (**p != '"')
    return NULL;
  out = malloc((size_t)(*p - s) + 1);
  assert_non_null(out);
  memcpy(out, s, (size_t)(*p - s));
  out[*p - s] = '\0';
  (*p)++;
  return out;
}

static int jvalue(const char **p, jnode *n);

static int jcontainer(const char **p, jnode *n, char close, int is_obj) {
  (*p)++;
  jskip(p);
  if (**p == close) {
    (*p)++;
    return 0;
  }
  for (;;) {
    jnode kid = {0};
    jskip(p);
    if (is_obj) {
      kid.key = jstring(p);
      if (!kid.key)
        return -1;
      jskip(p);
      if (**p != ':') {
        free(kid.key);
        return -1;
      }
      (*p)++;
    }
    if (jvalue(p, &kid)) {
      free(kid.key);
      return -1;
    }
    n->kids = realloc(n->kids, (n->nkids + 1) * sizeof(jnode));
    assert_non_null(n->kids);
    n->kids[n->nkids++] = kid;
    jskip(p);
    if (**p == ',') {
      (*p)++;
      continue;
    }
    if (**p == close) {
      (*p)++;
      return 0;
    }
    return -1;
  }
}

static int jvalue(const char **p, jnode *n) {
  jskip(p);
  if (**p == '"') {
    n->type = J_STR;
    n->str = jstring(p);
    return n->str ? 0 : -1;
  }
  if (**p == '{') {
    n->type = J_OBJ;
    return jcontainer(p, n, '}', 1);
  }
  if (**p == '[') {
    n->type = J_ARR;
    return jcontainer(p, n, ']', 0);
  }
  return -1;
}

static void jfree(jnode *n) {
  for (size_t i = 0; i < n->nkids; i++)
    jfree(&n->kids[i]);
  free(n->kids);
  free(n->key);
  free(n->str);
}

static const jnode *jget(const jnode *obj, const char *key) {
  for (size_t i = 0; i < obj->nkids; i++)
    if (obj->kids[i].key && strcmp(obj->kids[i].key, key) == 0)
      return &obj->kids[i];
  return NULL;
}

/* Hex of member key into a malloc'd buffer; NULL if the member is absent. */
static uint8_t *jhex(const jnode *obj, const char *key, size_t *len) {
  const jnode *v = jget(obj, key);
  size_t slen, blen = 0;
  uint8_t *b;
  if (!v)
    return NULL;
  assert_int_equal(v->type, J_STR);
  slen = strlen(v->str);
  b = malloc(slen / 2 + 1);
  assert_non_null(b);
  assert_int_equal(sodium_hex2bin(b, slen / 2 + 1, v->str, slen, NULL, &blen,
                                  NULL),
                   0);
  assert_int_equal(blen * 2, slen);
  *len = blen;
  return b;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  long sz;
  char *buf;
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  sz = ftell(f);
  assert_true(sz > 0);
  rewind(f);
  buf = malloc((size_t)sz + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
  buf[sz] = '\0';
  fclose(f);
  return buf;
}

/* ---- vector runner ------------------------------------------------------ */

static fs_noise_pattern pattern_of(const char *name) {
  if (strncmp(name, "Noise_NN_", 9) == 0)
    return FS_NOISE_NN;
  if (strncmp(name, "Noise_XX_", 9) == 0)
    return FS_NOISE_XX;
  if (strncmp(name, "Noise_IK_", 9) == 0)
    return FS_NOISE_IK;
  if (strncmp(name, "Noise_KK_", 9) == 0)
    return FS_NOISE_KK;
  fail_msg("unexpected protocol %s", name);
  return FS_NOISE_NN;
}

static fs_noise_hs *make_side(const jnode *v, const char *side,
                              fs_noise_role role, fs_noise_pattern pat) {
  char k[64];
  size_t plen = 0, l = 0;
  uint8_t *prologue, *s, *rs, *e;
  fs_noise_hs_config cfg = {0};
  fs_noise_hs *hs = NULL;

  snprintf(k, sizeof(k), "%s_prologue", side);
  prologue = jhex(v, k, &plen);
  snprintf(k, sizeof(k), "%s_static", side);
  s = jhex(v, k, &l);
  snprintf(k, sizeof(k), "%s_remote_static", side);
  rs = jhex(v, k, &l);
  snprintf(k, sizeof(k), "%s_ephemeral", side);
  e = jhex(v, k, &l);
  assert_non_null(e);
  cfg.pattern = pat;
  cfg.role = role;
  cfg.prologue = prologue;
  cfg.prologue_len = plen;
  cfg.s_priv = s;
  cfg.rs_pub = rs;
  cfg.e_priv = e;
  assert_int_equal(fs__noise_hs_new(&hs, &cfg), 0);
  free(prologue);
  free(s);
  free(rs);
  free(e);
  return hs;
}

static void run_vector(const jnode *v) {
  const jnode *name = jget(v, "protocol_name");
  const jnode *msgs = jget(v, "messages");
  fs_noise_pattern pat;
  fs_noise_hs *hs[2];
  fs_noise_cipher *send[2] = {NULL, NULL}, *recv[2] = {NULL, NULL};
  uint8_t *want_hash;
  size_t hlen = 0;
  int split = 0;

  assert_non_null(name);
  assert_non_null(msgs);
  pat = pattern_of(name->str);
  hs[0] = make_side(v, "init", FS_NOISE_INITIATOR, pat);
  hs[1] = make_side(v, "resp", FS_NOISE_RESPONDER, pat);
  want_hash = jhex(v, "handshake_hash", &hlen);
  assert_non_null(want_hash);
  assert_int_equal(hlen, FS_NOISE_HASHLEN);

  for (size_t i = 0; i < msgs->nkids; i++) {
    size_t pl = 0, cl = 0, outlen = 0, gotlen = 0;
    uint8_t *payload = jhex(&msgs->kids[i], "payload", &pl);
    uint8_t *ct = jhex(&msgs->kids[i], "ciphertext", &cl);
    uint8_t out[1024], got[1024];
    int from = (int)(i % 2), to = 1 - from;

    assert_non_null(payload);
    assert_non_null(ct);
    if (!split) {
      assert_int_equal(fs__noise_hs_action(hs[from]), FS_NOISE_ACTION_WRITE);
      assert_int_equal(fs__noise_hs_action(hs[to]), FS_NOISE_ACTION_READ);
      assert_int_equal(fs__noise_hs_overhead(hs[from]) + pl, cl);
      assert_int_equal(
          fs__noise_hs_write(hs[from], payload, pl, out, sizeof(out), &outlen), 0);
      assert_int_equal(outlen, cl);
      assert_memory_equal(out, ct, cl);
      assert_int_equal(
          fs__noise_hs_read(hs[to], out, outlen, got, sizeof(got), &gotlen), 0);
      assert_int_equal(gotlen, pl);
      if (pl)
        assert_memory_equal(got, payload, pl);
      if (fs__noise_hs_action(hs[0]) == FS_NOISE_ACTION_SPLIT) {
        uint8_t h0[FS_NOISE_HASHLEN], h1[FS_NOISE_HASHLEN];
        assert_int_equal(fs__noise_hs_action(hs[1]), FS_NOISE_ACTION_SPLIT);
        fs__noise_hs_hash(hs[0], h0);
        fs__noise_hs_hash(hs[1], h1);
        assert_memory_equal(h0, want_hash, FS_NOISE_HASHLEN);
        assert_memory_equal(h1, want_hash, FS_NOISE_HASHLEN);
        assert_int_equal(fs__noise_hs_split(hs[0], &send[0], &recv[0]), 0);
        assert_int_equal(fs__noise_hs_split(hs[1], &send[1], &recv[1]), 0);
        {
          /* a second split is refused and leaves the outputs alone */
          fs_noise_cipher *x = send[0], *y = recv[0];
          assert_int_equal(fs__noise_hs_split(hs[0], &x, &y), FS_ESTATE);
          assert_ptr_equal(x, send[0]);
          assert_ptr_equal(y, recv[0]);
        }
        split = 1;
      }
    } else {
      assert_int_equal(fs__noise_cipher_encrypt(send[from], NULL, 0, payload,
                                                pl, out, sizeof(out), &outlen),
                       0);
      assert_int_equal(outlen, cl);
      assert_memory_equal(out, ct, cl);
      assert_int_equal(fs__noise_cipher_decrypt(recv[to], NULL, 0, out, outlen,
                                                got, sizeof(got), &gotlen),
                       0);
      assert_int_equal(gotlen, pl);
      assert_memory_equal(got, payload, pl);
    }
    free(payload);
    free(ct);
  }
  assert_true(split);
  for (int s = 0; s < 2; s++) {
    fs__noise_hs_free(hs[s]);
    fs__noise_cipher_free(send[s]);
    fs__noise_cipher_free(recv[s]);
  }
  free(want_hash);
}

static void test_cacophony_vectors(void **state) {
  (void)state;
  char *text = read_file(VECTORS);
  const char *p = text;
  jnode root = {0};
  const jnode *vecs;
  int seen[5] = {0};

  assert_int_equal(jvalue(&p, &root), 0);
  assert_int_equal(root.type, J_OBJ);
  vecs = jget(&root, "vectors");
  assert_non_null(vecs);
  assert_int_equal(vecs->type, J_ARR);
  assert_true(vecs->nkids >= 4);
  for (size_t i = 0; i < vecs->nkids; i++) {
    const jnode *name = jget(&vecs->kids[i], "protocol_name");
    assert_non_null(name);
    seen[pattern_of(name->str)]++;
    run_vector(&vecs->kids[i]);
  }
  /* every pattern we support was exercised */
  for (int i = FS_NOISE_NN; i <= FS_NOISE_KK; i++)
    assert_true(seen[i] > 0);
  jfree(&root);
  free(text);
}

/* ---- negative tests ----------------------------------------------------- */

typedef struct ik_pair {
  uint8_t is[32], ip[32], rs[32], rp[32];
} ik_pair;

static void ik_keys(ik_pair *k) {
  randombytes_buf(k->is, 32);
  randombytes_buf(k->rs, 32);
  assert_int_equal(crypto_scalarmult_base(k->ip, k->is), 0);
  assert_int_equal(crypto_scalarmult_base(k->rp, k->rs), 0);
}

static fs_noise_hs *ik_new(fs_noise_role role, const uint8_t *s,
                           const uint8_t *rs) {
  fs_noise_hs_config cfg = {.pattern = FS_NOISE_IK, .role = role,
                            .prologue = (const uint8_t *)"p", .prologue_len = 1,
                            .s_priv = s, .rs_pub = rs};
  fs_noise_hs *hs = NULL;
  assert_int_equal(fs__noise_hs_new(&hs, &cfg), 0);
  return hs;
}

static void test_tampered_handshake_refused(void **state) {
  (void)state;
  ik_pair k;
  uint8_t msg[256], pl[256];
  size_t n = 0, pn = 0;
  ik_keys(&k);
  fs_noise_hs *i0 = ik_new(FS_NOISE_INITIATOR, k.is, k.rp);
  assert_int_equal(fs__noise_hs_write(i0, (const uint8_t *)"hello", 5, msg,
                                      sizeof(msg), &n),
                   0);
  assert_int_equal(n, 32 + 48 + 5 + 16); /* e, s+tag, payload+tag */
  /* flip each byte in turn; every single flip must be refused */
  for (size_t pos = 0; pos < n; pos++) {
    fs_noise_hs *r = ik_new(FS_NOISE_RESPONDER, k.rs, NULL);
    msg[pos] ^= 0x01;
    int rc = fs__noise_hs_read(r, msg, n, pl, sizeof(pl), &pn);
    assert_int_equal(rc, FS_ECRYPTO);
    assert_int_equal(fs__noise_hs_action(r), FS_NOISE_ACTION_FAILED);
    assert_int_equal(fs__noise_hs_read(r, msg, n, pl, sizeof(pl), &pn), FS_ESTATE);
    msg[pos] ^= 0x01;
    fs__noise_hs_free(r);
  }
  /* truncated */
  fs_noise_hs *r = ik_new(FS_NOISE_RESPONDER, k.rs, NULL);
  assert_int_equal(fs__noise_hs_read(r, msg, 95, pl, sizeof(pl), &pn), FS_ETRUNC);
  fs__noise_hs_free(r);
  /* untouched it passes */
  r = ik_new(FS_NOISE_RESPONDER, k.rs, NULL);
  assert_int_equal(fs__noise_hs_read(r, msg, n, pl, sizeof(pl), &pn), 0);
  assert_int_equal(pn, 5);
  assert_memory_equal(pl, "hello", 5);
  uint8_t got[32];
  assert_int_equal(fs__noise_hs_remote_static(r, got), 0);
  assert_memory_equal(got, k.ip, 32);
  fs__noise_hs_free(r);
  fs__noise_hs_free(i0);
}

static void test_ik_wrong_responder_key(void **state) {
  (void)state;
  ik_pair k, other;
  uint8_t msg[256], pl[256];
  size_t n = 0, pn = 0;
  ik_keys(&k);
  ik_keys(&other);
  /* the initiator believes the responder's key is other.rp */
  fs_noise_hs *i0 = ik_new(FS_NOISE_INITIATOR, k.is, other.rp);
  fs_noise_hs *r = ik_new(FS_NOISE_RESPONDER, k.rs, NULL);
  assert_int_equal(fs__noise_hs_write(i0, NULL, 0, msg, sizeof(msg), &n), 0);
  assert_int_equal(fs__noise_hs_read(r, msg, n, pl, sizeof(pl), &pn), FS_ECRYPTO);
  assert_int_equal(fs__noise_hs_remote_static(r, pl), FS_ESTATE);
  fs__noise_hs_free(i0);
  fs__noise_hs_free(r);
}

static void test_config_checks(void **state) {
  (void)state;
  fs_noise_hs *hs = NULL;
  uint8_t key[32] = {1};
  fs_noise_hs_config cfg = {.pattern = FS_NOISE_IK, .role = FS_NOISE_INITIATOR,
                            .s_priv = key};
  /* IK initiator without the responder key */
  assert_int_equal(fs__noise_hs_new(&hs, &cfg), FS_EINVAL);
  assert_null(hs);
  /* IK responder given a remote key */
  cfg.role = FS_NOISE_RESPONDER;
  cfg.rs_pub = key;
  assert_int_equal(fs__noise_hs_new(&hs, &cfg), FS_EINVAL);
  cfg.pattern = (fs_noise_pattern)99;
  assert_int_equal(fs__noise_hs_new(&hs, &cfg), FS_EINVAL);
  assert_int_equal(fs__noise_hs_new(NULL, &cfg), FS_EINVAL);
  fs__noise_hs_free(NULL);
  fs__noise_cipher_free(NULL);
}

static void test_rekey(void **state) {
  (void)state;
  fs_noise_cipher *a = NULL, *b = NULL;
  uint8_t k[32], ct[64], pt[64];
  size_t n = 0, m = 0;
  randombytes_buf(k, sizeof(k));
  assert_int_equal(fs__noise_cipher_new(&a), 0);
  assert_int_equal(fs__noise_cipher_new(&b), 0);
  assert_int_equal(fs__noise_cipher_rekey(a), FS_ESTATE);
  fs__noise_cipher_init_key(a, k);
  fs__noise_cipher_init_key(b, k);
  assert_int_equal(fs__noise_cipher_encrypt(a, NULL, 0, (const uint8_t *)"abc",
                                            3, ct, sizeof(ct), &n),
                   0);
  assert_int_equal(fs__noise_cipher_nonce(a), 1);
  assert_int_equal(fs__noise_cipher_rekey(a), 0);
  assert_int_equal(fs__noise_cipher_nonce(a), 1); /* n unchanged by rekey */
  /* b did not rekey: old key still decrypts the pre-rekey message */
  assert_int_equal(fs__noise_cipher_decrypt(b, NULL, 0, ct, n, pt, sizeof(pt), &m), 0);
  assert_int_equal(fs__noise_cipher_encrypt(a, NULL, 0, (const uint8_t *)"def",
                                            3, ct, sizeof(ct), &n),
                   0);
  /* without rekey b fails and keeps its nonce */
  assert_int_equal(fs__noise_cipher_decrypt(b, NULL, 0, ct, n, pt, sizeof(pt), &m),
                   FS_ECRYPTO);
  assert_int_equal(fs__noise_cipher_nonce(b), 1);
  assert_int_equal(fs__noise_cipher_rekey(b), 0);
  assert_int_equal(fs__noise_cipher_decrypt(b, NULL, 0, ct, n, pt, sizeof(pt), &m), 0);
  assert_int_equal(m, 3);
  assert_memory_equal(pt, "def", 3);
  /* reserved nonce refused */
  fs__noise_cipher_set_nonce(a, UINT64_MAX);
  assert_int_equal(fs__noise_cipher_encrypt(a, NULL, 0, pt, 3, ct, sizeof(ct), &n),
                   FS_EOVERFLOW);
  fs__noise_cipher_free(a);
  fs__noise_cipher_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cacophony_vectors),
      cmocka_unit_test(test_tampered_handshake_refused),
      cmocka_unit_test(test_ik_wrong_responder_key),
      cmocka_unit_test(test_config_checks),
      cmocka_unit_test(test_rekey),
  };
  if (sodium_init() < 0)
    return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
