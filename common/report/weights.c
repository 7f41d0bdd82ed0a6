/* weights.c - the ranking's setting: the weights and the tier cut-offs,
 * their defaults, the weights file, the --scoring setting, checks
 * (report.h). */
#include "report_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

/* NULL-terminated for fs__enum_index. */
static const char *const comp_names[FS_RC__COUNT + 1] = {
    "revenue", "margin", "growth", "payment", "credit", "strategic", NULL};

int fs__rpt_weights_check(rpt *r, const fs_report_weights *w) {
  double sum = 0;
  for (int i = 0; i < FS_RC__COUNT; i++) {
    if (!(w->w[i] >= 0) || !isfinite(w->w[i]))
      return fs__rpt_fail(r, FS_EINVAL, "weight %s must be a number >= 0", comp_names[i]);
    sum += w->w[i];
  }
  if (!(sum > 0))
    return fs__rpt_fail(r, FS_EINVAL, "the weights are all 0");
  return 0;
}

void fs__report_weights_default(fs_report_weights *w) {
  static const double def[FS_RC__COUNT] = {30, 20, 15, 15, 10, 10};
  memcpy(w->w, def, sizeof(def));
}

/* The tiers' names in cut[] order, NULL-terminated. */
static const char *const cut_names[] = {"diamond", "gold", "silver", NULL};

void fs__report_scoring_default(fs_report_scoring *s) {
  fs__report_weights_default(&s->w);
  s->cut[0] = 70;
  s->cut[1] = 50;
  s->cut[2] = 30;
}

/* One "name=number" pair of a setting into ns; 0 or FS_EINVAL (err set). */
static int scoring_pair(char *part, fs_report_scoring *ns, char *err, size_t errlen) {
  char *eq = strchr(part, '='), *s = part, *e, *end;
  int k, c;
  double v;

  if (eq == NULL) {
    snprintf(err, errlen, "scoring: \"%.40s\" is not name=number", part);
    return FS_EINVAL;
  }
  for (e = eq; e > s && isspace((unsigned char)e[-1]); e--)
    ;
  *e = '\0';
  for (s = eq + 1; isspace((unsigned char)*s); s++)
    ;
  errno = 0;
  v = strtod(s, &end);
  while (isspace((unsigned char)*end))
    end++;
  k = fs__enum_index(comp_names, part);
  c = fs__enum_index(cut_names, part);
  if (k < 0 && c < 0) {
    snprintf(err, errlen,
             "scoring: unknown name \"%.20s\" (weights revenue, margin, growth, payment, "
             "credit, strategic; cut-offs diamond, gold, silver)",
             part);
    return FS_EINVAL;
  }
  if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 ||
      (c >= 0 && v > 100)) {
    snprintf(err, errlen, "scoring: %s wants a number %s, not \"%.20s\"", part,
             c >= 0 ? "from 0 to 100 (a score)" : ">= 0 (a weight)", s);
    return FS_EINVAL;
  }
  if (k >= 0)
    ns->w.w[k] = v;
  else
    ns->cut[c] = v;
  return 0;
}

int fs__report_scoring_parse(const char *spec, fs_report_scoring *s, char *err,
                             size_t errlen) {
  fs_report_scoring ns;
  char buf[512], *part, *save = NULL;
  double sum = 0;
  int rc = 0;

  if (err && errlen)
    err[0] = '\0';
  if (s == NULL || err == NULL || errlen == 0)
    return FS_EINVAL;
  if (spec == NULL || spec[0] == '\0')
    return 0;
  if (strlen(spec) >= sizeof(buf)) {
    snprintf(err, errlen, "scoring: setting longer than %zu bytes", sizeof(buf) - 1);
    return FS_EINVAL;
  }
  memcpy(buf, spec, strlen(spec) + 1);
  ns = *s;
  for (part = strtok_r(buf, ",;", &save); part && rc == 0;
       part = strtok_r(NULL, ",;", &save)) {
    while (isspace((unsigned char)*part))
      part++;
    if (*part)
      rc = scoring_pair(part, &ns, err, errlen);
  }
  if (rc)
    return rc;
  for (int i = 0; i < FS_RC__COUNT; i++)
    sum += ns.w.w[i];
  if (!(sum > 0)) {
    snprintf(err, errlen, "scoring: the weights are all 0");
    return FS_EINVAL;
  }
  if (!(ns.cut[2] > 0) || ns.cut[2] > ns.cut[1] || ns.cut[1] > ns.cut[0]) {
    snprintf(err, errlen,
             "scoring: the cut-offs need 0 < silver <= gold <= diamond <= 100 (here "
             "silver %g, gold %g, diamond %g)",
             ns.cut[2], ns.cut[1], ns.cut[0]);
    return FS_EINVAL;
  }
  *s = ns;
  return 0;
}

int fs__report_weights_parse(const char *text, fs_report_weights *w, char *err) {
  fs_report_weights nw;
  int seen[FS_RC__COUNT] = {0}, line = 0;
  const char *p = text;
  double sum = 0;

  if (err)
    err[0] = '\0';
  if (text == NULL || w == NULL)
    return fs__rpt_errf(err, FS_EINVAL, "no weights");
  memset(&nw, 0, sizeof(nw));
  while (*p) {
    char buf[256], *s, *e, *eq, *end;
    size_t n = strcspn(p, "\n");
    int k;
    double v;

    line++;
    if (n >= sizeof(buf))
      return fs__rpt_errf(err, FS_EINVAL, "line %d: too long", line);
    memcpy(buf, p, n);
    buf[n] = '\0';
    p += n + (p[n] == '\n');
    if ((s = strchr(buf, '#')) != NULL)
      *s = '\0';
    for (s = buf; isspace((unsigned char)*s); s++)
      ;
    for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
      ;
    *e = '\0';
    if (*s == '\0')
      continue;
    eq = strchr(s, '=');
    if (eq == NULL)
      return fs__rpt_errf(err, FS_EINVAL, "line %d: expected `name = number`", line);
    for (e = eq; e > s && isspace((unsigned char)e[-1]); e--)
      ;
    *e = '\0';
    k = fs__enum_index(comp_names, s);
    if (k < 0 || k >= FS_RC__COUNT)
      return fs__rpt_errf(
          err, FS_EINVAL,
          "line %d: unknown weight \"%s\" (revenue, margin, growth, payment, "
          "credit, strategic)",
          line, s);
    if (seen[k])
      return fs__rpt_errf(err, FS_EINVAL, "line %d: %s given twice", line, s);
    seen[k] = 1;
    for (s = eq + 1; isspace((unsigned char)*s); s++)
      ;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < 0)
      return fs__rpt_errf(err, FS_EINVAL, "line %d: %s wants a number >= 0, not \"%s\"",
                          line, comp_names[k], s);
    nw.w[k] = v;
    sum += v;
  }
  if (!(sum > 0))
    return fs__rpt_errf(err, FS_EINVAL, "the weights are all 0");
  *w = nw;
  return 0;
}

int fs__report_weights_load(const char *path, fs_report_weights *w, char *err) {
  FILE *f = NULL;
  char *text = NULL;
  size_t n;
  int rc = 0;

  if (err)
    err[0] = '\0';
  if (path == NULL)
    return fs__rpt_errf(err, FS_EINVAL, "no weights file");
  f = fopen(path, "rb");
  if (f == NULL) {
    if (err)
      snprintf(err, FS_REPORT_ERR_MAX, "%s: %s", path, strerror(errno));
    return FS_EIO;
  }
  text = malloc(FS_REPORT_WEIGHTS_FILE_MAX + 1);
  if (text == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  n = fread(text, 1, FS_REPORT_WEIGHTS_FILE_MAX + 1, f);
  if (ferror(f)) {
    if (err)
      snprintf(err, FS_REPORT_ERR_MAX, "%s: read error", path);
    rc = FS_EIO;
    goto out;
  }
  if (n > FS_REPORT_WEIGHTS_FILE_MAX) {
    rc = fs__rpt_errf(err, FS_EINVAL, "%s: larger than %d bytes", path,
                      FS_REPORT_WEIGHTS_FILE_MAX);
    goto out;
  }
  text[n] = '\0';
  rc = fs__report_weights_parse(text, w, err);
  if (rc && err) {
    char tmp[FS_REPORT_ERR_MAX];
    snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
    memcpy(err, tmp, sizeof(tmp));
  }
out:
  free(text);
  if (f)
    fclose(f);
  return rc;
}
