/* cli_notices.c - `fieldsync notices`: what the daemon told this staff
 * member (fs_notice_list): handover reports, and the manager's decisions
 * on a rep's cards (a lost sale rejected, a deletion request answered). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

typedef struct notices_out {
  cli_ctx *c;
  fs_json j;
  int n;
} notices_out;

static int notice_row(void *arg, const fs_notice *nt) {
  notices_out *o = arg;
  time_t t = (time_t)(nt->at / 1000);
  struct tm tm;
  char when[32];

  o->n++;
  if (o->c->json) {
    fs__json_begin_object(&o->j);
    fs__json_key(&o->j, "n");
    fs__json_int(&o->j, nt->n);
    fs__json_key(&o->j, "kind");
    fs__json_string(&o->j, nt->kind);
    fs__json_key(&o->j, "at");
    fs__json_int(&o->j, nt->at);
    fs__json_key(&o->j, "body");
    fs__json_string(&o->j, nt->body);
    fs__json_end_object(&o->j);
    return 0;
  }
  if (localtime_r(&t, &tm) == NULL ||
      strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm) == 0)
    snprintf(when, sizeof(when), "?");
  printf("%s#%lld %s, %s\n%s\n", o->n > 1 ? "\n" : "", (long long)nt->n, nt->kind, when,
         nt->body);
  return 0;
}

int cli_cmd_notices(cli_ctx *c, int argc, char **argv) {
  cli_args a = {.minpos = 0, .maxpos = 0};
  notices_out o;
  int rc;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  memset(&o, 0, sizeof(o));
  o.c = c;
  if (c->json) {
    fs__json_init(&o.j, stdout);
    fs__json_begin_array(&o.j);
  }
  rc = fs_notice_list(c->r, notice_row, &o);
  if (c->json) {
    fs__json_end_array(&o.j);
    if (fs__json_finish(&o.j) && rc == 0)
      rc = FS_EIO;
  }
  if (rc)
    return cli_fail(c, rc, "notices");
  if (!c->json && o.n == 0)
    printf("no notices\n");
  return CLI_OK;
}
