/* suggest.h - what a person probably meant (issue 15, point 10): the
 * nearest command or option to a mistyped one ("custmer" -> "customer",
 * "--phnoe" -> "--phone"), and enumeration values in any case ("a" is
 * grade A).  Shared by fieldsync and fieldsyncd.
 */
#ifndef FS_SUGGEST_H
#define FS_SUGGEST_H

#include <stddef.h>

/* Edit distance with adjacent transpositions (optimal string alignment),
 * ASCII case-insensitive, over at most FS_SUGGEST_MAX_LEN bytes of each
 * (longer words: their length difference + FS_SUGGEST_MAX_LEN). */
#define FS_SUGGEST_MAX_LEN 64
int fs__edit_distance(const char *a, const char *b);

/* Collects the nearest candidate to word.  Candidates may be added in any
 * order; on ties the first added wins.  Borrowed strings: they must live
 * until fs__suggest_best is read. */
typedef struct fs_suggest {
  const char *word;
  const char *best;
  int dist;
} fs_suggest;

void fs__suggest_init(fs_suggest *s, const char *word);
void fs__suggest_add(fs_suggest *s, const char *candidate);
/* The nearest candidate if it is close enough to be a typo: differs only in
 * case, or at most 2 edits and fewer edits than the word has letters
 * (dashes aside: "ad" -> "add", but "ls" suggests nothing for "gc");
 * NULL otherwise or if word itself was a candidate. */
const char *fs__suggest_best(const fs_suggest *s);

/* The value of the NULL-terminated list values that s spells in any ASCII
 * case ("delivered" for "Delivered", "A" for "a"); NULL if none. */
const char *fs__enum_match(const char *const *values, const char *s);

#endif
