/* suggest.c - nearest names and case-blind enumerations (suggest.h). */
#include "suggest.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int fs__edit_distance(const char *a, const char *b) {
  /* Three rows of the DP table: enough for adjacent transpositions. */
  int r0[FS_SUGGEST_MAX_LEN + 1], r1[FS_SUGGEST_MAX_LEN + 1], r2[FS_SUGGEST_MAX_LEN + 1];
  int *pp = r0, *p = r1, *c = r2, *t;
  size_t la = strlen(a), lb = strlen(b), extra = 0;

  if (la > FS_SUGGEST_MAX_LEN || lb > FS_SUGGEST_MAX_LEN) {
    extra = la > lb ? la - lb : lb - la;
    la = la > FS_SUGGEST_MAX_LEN ? FS_SUGGEST_MAX_LEN : la;
    lb = lb > FS_SUGGEST_MAX_LEN ? FS_SUGGEST_MAX_LEN : lb;
  }
  for (size_t j = 0; j <= lb; j++)
    p[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    c[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
      int cost = ai != bj, v = p[j - 1] + cost;
      if (p[j] + 1 < v)
        v = p[j] + 1;
      if (c[j - 1] + 1 < v)
        v = c[j - 1] + 1;
      if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == bj && pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      c[j] = v;
    }
    t = pp;
    pp = p;
    p = c;
    c = t;
  }
  return p[lb] + (int)extra;
}

void fs__suggest_init(fs_suggest *s, const char *word) {
  s->word = word;
  s->best = NULL;
  s->dist = -1;
}

void fs__suggest_add(fs_suggest *s, const char *candidate) {
  int d;
  if (s->word == NULL || candidate == NULL || candidate[0] == '\0')
    return;
  d = fs__edit_distance(s->word, candidate);
  if (s->dist < 0 || d < s->dist) {
    s->dist = d;
    s->best = candidate;
  }
}

const char *fs__suggest_best(const fs_suggest *s) {
  size_t n;
  if (s->best == NULL || strcmp(s->best, s->word) == 0)
    return NULL;
  if (s->dist == 0)
    return s->best; /* only the case differs */
  /* Dashes of an option are no letters the person chose. */
  n = strlen(s->word);
  for (const char *w = s->word; *w == '-'; w++)
    n--;
  if (s->dist > 2 || (size_t)s->dist >= n)
    return NULL;
  return s->best;
}

const char *fs__enum_match(const char *const *values, const char *s) {
  for (int i = 0; values && s && values[i]; i++)
    if (strcasecmp(values[i], s) == 0)
      return values[i];
  return NULL;
}
