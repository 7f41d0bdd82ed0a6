/* seed.c - realistic sample data in the central store (see seed.h).
 *
 * One pass per customer makes its whole story in time order: the grade
 * timeline first (so every other record can ask "what grade was it on day
 * d?"), then the card with its final state, the grade history, the buying
 * centre, the visits, the opportunity, the lost review and, for walk-ins,
 * the showroom entry.  Anonymous showroom traffic follows at the end. */
#include "seed.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "cadence.h"
#include "date.h"
#include "fs_errno.h"
#include "status.h"
#include "hlc.h"
#include "store.h"
#include "store/bulk.h"
#include "validate.h"

#define ARENA_BYTES 16384 /* text of one record */
#define MAX_FIELDS 64     /* more than any kind has */
#define MAX_STEPS 16      /* grade changes per customer */
#define MAX_CONTACTS 4
#define ARCHIVE_SLOT FS_ARCHIVE_SLOTS /* see seed.h */
#define MAX_YEARS (FS_SEED_MAX_MONTHS / 12 + 2)

/* ---- PRNG: splitmix64 (deterministic, tiny, good enough for samples) ---- */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t rnd(rng *r) {
  uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* 0..n-1 (n >= 1). */
static int below(rng *r, int n) {
  return (int)(rnd(r) % (uint64_t)n);
}
static double unit(rng *r) {
  return (double)(rnd(r) >> 11) * (1.0 / 9007199254740992.0);
}
static int chance(rng *r, double p) {
  return unit(r) < p;
}
#define PICK(r, arr) ((arr)[below((r), (int)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- word lists ------------------------------------------------------------ */

static const char *const cn_cities[] = {"北京", "上海", "广州", "深圳", "杭州", "成都",
                                        "武汉", "南京", "苏州", "天津", "重庆", "西安"};
static const char *const cn_districts[] = {"朝阳区", "浦东新区", "天河区", "南山区",
                                           "西湖区", "武侯区",   "江汉区", "鼓楼区"};
static const char *const cn_roads[] = {"建国路",   "人民路",   "中山路", "解放路",
                                       "滨江大道", "科技园路", "长江路", "和平街"};
static const char *const cn_brands[] = {"宏达", "华盛",   "金源", "恒通", "鑫隆",
                                        "东方", "新世纪", "远航", "瑞丰", "长城",
                                        "国泰", "中联",   "天成", "永安"};
static const char *const cn_biz[] = {"汽车服务", "物流", "建材", "出租车", "汽车租赁",
                                     "运输",     "电子", "食品", "医药",   "工程"};
static const char *const en_first[] = {
    "Northwind", "Pacific",    "Golden Gate", "Blue River", "Summit",   "Evergreen",
    "Harbour",   "Silverline", "Redstone",    "Crescent",   "Highland", "Lakeside"};
static const char *const en_biz[] = {
    "Logistics", "Motors", "Trading", "Construction", "Rentals",
    "Transport", "Foods",  "Medical", "Engineering",  "Holdings"};
static const char *const en_suffix[] = {"Ltd", "Co.", "Group", "Inc."};
static const char *const en_streets[] = {"Queen's Road", "Nathan Road",  "King Street",
                                         "Harbour Road", "Station Road", "Market Street"};
static const char *const en_cities[] = {"Hong Kong", "Kowloon", "Singapore", "Shenzhen"};
static const char *const cn_surnames[] = {"王", "李", "张", "刘", "陈", "杨",
                                          "黄", "赵", "吴", "周", "徐", "孙",
                                          "马", "朱", "胡", "郭", "何", "林"};
static const char *const cn_given[] = {"伟", "芳",   "娜",   "敏",   "静",   "强",  "磊",
                                       "军", "洋",   "勇",   "艳",   "杰",   "涛",  "明",
                                       "超", "秀英", "建华", "志强", "晓东", "丽华"};
static const char *const en_given[] = {"James", "Mary",  "John",    "Linda",
                                       "David", "Susan", "Michael", "Karen",
                                       "Peter", "Emma",  "Tom",     "Grace"};
static const char *const en_family[] = {"Smith",  "Wong",   "Chan",   "Brown", "Lee",
                                        "Taylor", "Cheung", "Harris", "Lam",   "Walker"};
static const char *const industries[] = {
    "logistics / 物流",  "construction / 建筑",  "car rental / 汽车租赁",
    "taxi / 出租车",     "retail / 零售",        "manufacturing / 制造",
    "healthcare / 医疗", "government / 政府机关"};
static const char *const org_forms[] = {
    "limited company / 有限公司", "joint stock / 股份公司", "state-owned / 国有企业",
    "sole proprietor / 个体"};
static const char *const ranks[] = {
    "总经理 General Manager", "采购经理 Purchasing Manager",
    "财务总监 CFO",           "车队主管 Fleet Supervisor",
    "技术总监 CTO",           "行政主管 Head of Admin"};
static const char *const models[] = {"City E2", "Model S3", "Model X5", "Cargo Van V6",
                                     "Pickup P8"};
static const char *const colours[] = {"white", "black", "silver", "red", "blue", "grey"};
static const char *const competitors[] = {"丰田 Toyota", "大众 Volkswagen", "比亚迪 BYD",
                                          "本田 Honda",  "吉利 Geely",      "Ford"};
static const char *const lost_reasons[] = {
    "price too high / 价格太高",
    "competitor offered better financing / 竞品贷款条件更好",
    "delivery time too long / 交车周期太长",
    "product did not fit the need / 产品不符需求",
    "closer relationship with the competitor / 与对手关系更好",
    "budget cancelled / 预算取消"};
static const char *const points[] = {
    "introduced the fleet programme / 介绍车队方案", "test drive arranged / 安排试驾",
    "discussed financing options / 讨论贷款方案",    "price negotiation / 价格谈判",
    "after-sales service review / 售后服务回访",     "delivery schedule / 交车时间安排",
    "requirements for the new depot / 新车场需求"};
static const char *const views[] = {"interested, wants a quote / 有兴趣，要报价",
                                    "comparing with competitors / 正在比较竞品",
                                    "budget not yet approved / 预算未批",
                                    "satisfied with the vehicles / 对车辆满意"};
static const char *const next_steps[] = {
    "send the quotation / 发送报价", "arrange a test drive / 安排试驾",
    "visit with the manager / 与主管同访", "call to confirm / 电话确认"};

/* ---- the seeder ------------------------------------------------------------ */

typedef struct seeder {
  fs_central *c;
  const fs_seed_opts *o;
  rng r;
  int64_t start_day, end_day; /* inclusive window */
  int start_year;
  uint64_t cap_ms; /* clocks never later than this */
  uint16_t ctr;    /* HLC logical part */
  int batch, in_batch, open;
  int dry; /* rec_put stores nothing (planning pass) */
  int customers_done;
  uint64_t serial_n[FS_SEED_MAX_REPS + 1][MAX_YEARS];
  fs_seed_stats st;
} seeder;

typedef struct rec {
  fs_change ch;
  fs_field_change f[MAX_FIELDS];
  const fs_kind_def *kd;
  char arena[ARENA_BYTES];
  size_t used;
} rec;

static void day_text(int64_t day, char out[11]) {
  fs__date_format(day, out);
}

/* "YYYY-MM-DDTHH:MM:SS" of day + minutes after midnight. */
static void at_text(int64_t day, int minutes, char out[20]) {
  fs__datetime_format(day * 86400 + (int64_t)minutes * 60, out);
}

/* 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday). */
static int weekday(int64_t day) {
  return (int)(((day % 7) + 11) % 7);
}

static uint64_t clock_at(seeder *s, int64_t day, int minutes) {
  uint64_t ms = (uint64_t)(day * 86400 + (int64_t)minutes * 60) * 1000u;
  if (ms > s->cap_ms)
    ms = s->cap_ms;
  return fs__hlc_make(ms, s->ctr++);
}

static void rec_begin(seeder *s, rec *x, fs_kind k, const char *owner, uint64_t hlc) {
  uint64_t ms = fs__hlc_ms(hlc), a = rnd(&s->r), b = rnd(&s->r);

  memset(&x->ch, 0, sizeof(x->ch));
  x->kd = fs__kind_def(k);
  x->used = 0;
  x->ch.kind = k;
  x->ch.op = FS_OP_UPSERT;
  /* Same layout as fs__id_new: 48 bits of ms, then 80 "random" bits. */
  snprintf(x->ch.id, sizeof(x->ch.id), "%012" PRIx64 "%04" PRIx64 "%016" PRIx64,
           ms & UINT64_C(0xffffffffffff), a & 0xffff, b);
  snprintf(x->ch.owner, sizeof(x->ch.owner), "%s", owner);
  snprintf(x->ch.author, sizeof(x->ch.author), "%s", owner);
  x->ch.hlc = hlc;
  x->ch.fields = x->f;
  x->ch.nfields = 0;
}

static fs_field_change *rec_field(rec *x, const char *name) {
  int idx = fs__field_index(x->kd, name);
  fs_field_change *f;

  if (idx < 0 || x->ch.nfields >= MAX_FIELDS)
    return NULL; /* a programming error; validation reports the gap */
  f = &x->f[x->ch.nfields++];
  memset(f, 0, sizeof(*f));
  f->field = idx;
  f->hlc = x->ch.hlc;
  return f;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
rec_text(rec *x, const char *name, const char *fmt, ...) {
  fs_field_change *f = rec_field(x, name);
  size_t room = sizeof(x->arena) - x->used;
  va_list ap;
  int n;

  if (f == NULL || room < 2)
    return;
  va_start(ap, fmt);
  n = vsnprintf(x->arena + x->used, room, fmt, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  if ((size_t)n >= room)
    n = (int)room - 1;
  /* The arena outlives the apply; fs__store_apply only reads values. */
  f->value.type = FS_V_TEXT;
  f->value.s = x->arena + x->used;
  f->value.len = (size_t)n;
  x->used += (size_t)n + 1;
}

static void rec_int(rec *x, const char *name, int64_t v) {
  fs_field_change *f = rec_field(x, name);
  if (f) {
    f->value.type = FS_V_INT;
    f->value.i = v;
  }
}

static int batch_begin(seeder *s) {
  int rc = fs__central_begin(s->c);
  if (rc == 0)
    s->open = 1;
  return rc;
}

static int batch_commit(seeder *s) {
  int rc = fs__central_commit(s->c);
  s->open = 0;
  s->in_batch = 0;
  if (rc == 0 && s->o->progress)
    s->o->progress(s->o->progress_arg, &s->st, s->customers_done);
  return rc;
}

/* Validates, stores and journals one record; commits full batches. */
static int rec_put(seeder *s, rec *x, uint64_t *count) {
  char err[256];
  int rc;

  if (s->dry)
    return 0;
  rc = fs__validate_change(&x->ch, 1, err, sizeof(err));
  if (rc) {
    fprintf(stderr, "seed: generated an invalid %s: %s\n", x->kd->name, err);
    return FS_EINTERNAL;
  }
  rc = fs__bulk_record_put(s->c, &x->ch, NULL);
  if (rc)
    return rc;
  (*count)++;
  s->st.rows++;
  if (++s->in_batch >= s->batch) {
    rc = batch_commit(s);
    if (rc == 0)
      rc = batch_begin(s);
  }
  return rc;
}

/* ---- staff ------------------------------------------------------------------ */

static int staff_put(seeder *s, const char *code, const char *name, fs_role role,
                     const char *manager) {
  int added = 0;
  int rc = fs__bulk_staff_add(s->c, code, name, role, manager, s->start_day * 86400000,
                              &added);

  s->st.staff += (uint64_t)added;
  return rc;
}

static void person_name(rng *r, int chinese, char *out, size_t n) {
  if (chinese)
    snprintf(out, n, "%s%s", PICK(r, cn_surnames), PICK(r, cn_given));
  else
    snprintf(out, n, "%s %s", PICK(r, en_given), PICK(r, en_family));
}

static int make_staff(seeder *s) {
  char code[17], name[128], cn[32], en[48];
  int rc;

  rc = staff_put(s, "M01", "陈静 Chen Jing", FS_ROLE_MANAGER, NULL);
  for (int i = 1; rc == 0 && i <= s->o->reps; i++) {
    snprintf(code, sizeof(code), "A%02d", i);
    person_name(&s->r, 1, cn, sizeof(cn));
    person_name(&s->r, 0, en, sizeof(en));
    snprintf(name, sizeof(name), "%s %s", cn, en);
    rc = staff_put(s, code, name, FS_ROLE_REP, "M01");
  }
  return rc;
}

/* ---- one customer ------------------------------------------------------------ */

typedef struct step {
  int64_t day;
  int grade; /* index into fs__grades */
} step;

enum { G_O = 0, G_A, G_B, G_C, G_DELIVERED, G_LOST };

typedef struct cust {
  char id[33], owner[17], archive[41], name[200], phone[40], address[200];
  char contacts[MAX_CONTACTS][48];
  int ncontacts;
  int walk_in, chinese, key_account;
  int64_t created; /* day */
  int arrive_min;  /* walk-ins: minutes after midnight of arrival */
  step steps[MAX_STEPS];
  int nsteps;
  int64_t delivery_day; /* -1 if never delivered */
  int64_t lost_day;     /* -1 if not lost */
  int64_t last_visit;   /* -1 if none */
  char last_next[11];   /* next_contact of the last visit */
  int64_t amount;       /* opportunity amount, minor units */
  int64_t revenue;      /* on the card */
  rng visit_rng;        /* the visits' own random stream */
  int max_level;        /* 0 C, 1 B, 2 A, 3 O/delivered */
} cust;

static int grade_at(const cust *cu, int64_t day) {
  int g = cu->steps[0].grade;
  for (int i = 1; i < cu->nsteps && cu->steps[i].day <= day; i++)
    g = cu->steps[i].grade;
  return g;
}

static int level(int g) {
  switch (g) {
  case G_C:
    return 0;
  case G_B:
    return 1;
  case G_A:
    return 2;
  case G_O:
  case G_DELIVERED:
    return 3;
  default:
    return -1;
  }
}

/* Hour weights 9:00..20:00: weekdays peak late morning, weekends in the
 * afternoon. */
static int arrival_minutes(rng *r, int weekend) {
  static const int wd[12] = {4, 10, 14, 9, 5, 6, 6, 6, 5, 4, 3, 1};
  static const int we[12] = {2, 5, 7, 6, 8, 12, 14, 13, 9, 5, 3, 1};
  const int *w = weekend ? we : wd;
  int total = 0, pick, h = 0;

  for (int i = 0; i < 12; i++)
    total += w[i];
  pick = below(r, total);
  while (pick >= w[h])
    pick -= w[h++];
  return (9 + h) * 60 + below(r, 60);
}

/* A showroom day: weekend days are twice as busy as weekdays. */
static int64_t showroom_day(seeder *s) {
  for (;;) {
    int64_t d = s->start_day + below(&s->r, (int)(s->end_day - s->start_day + 1));
    int wd = weekday(d);
    if (wd == 0 || wd == 6 || chance(&s->r, 0.5))
      return d;
  }
}

/* The grade timeline: an initial grade on the day the card is opened, then
 * a change every few weeks (shorter for hotter grades) until the window
 * ends, the customer is lost, or delivered. */
static void make_timeline(seeder *s, cust *cu) {
  rng *r = &s->r;
  double p = unit(r);
  int g = p < 0.45 ? G_C : p < 0.80 ? G_B : p < 0.97 ? G_A : G_O;
  int64_t day = cu->created;

  cu->nsteps = 0;
  cu->delivery_day = cu->lost_day = -1;
  cu->steps[cu->nsteps++] = (step){day, g};
  cu->max_level = level(g);
  while (cu->nsteps < MAX_STEPS && g != G_LOST && g != G_DELIVERED) {
    int next = g;
    switch (g) {
    case G_C:
      day += 20 + below(r, 40);
      break;
    case G_B:
      day += 10 + below(r, 30);
      break;
    case G_A:
      day += 5 + below(r, 15);
      break;
    default:
      day += 7 + below(r, 23);
      break;
    }
    if (day > s->end_day)
      break;
    p = unit(r);
    switch (g) {
    case G_C:
      next = p < 0.40 ? G_B : p < 0.52 ? G_LOST : G_C;
      break;
    case G_B:
      next = p < 0.45 ? G_A : p < 0.60 ? G_C : p < 0.70 ? G_LOST : G_B;
      break;
    case G_A:
      next = p < 0.55 ? G_O : p < 0.70 ? G_B : p < 0.80 ? G_LOST : G_A;
      break;
    default:
      next = p < 0.90 ? G_DELIVERED : G_LOST;
      break;
    }
    if (next == g)
      continue;
    g = next;
    cu->steps[cu->nsteps++] = (step){day, g};
    if (g == G_DELIVERED)
      cu->delivery_day = day;
    if (g == G_LOST)
      cu->lost_day = day;
    if (level(g) > cu->max_level)
      cu->max_level = level(g);
  }
}

static int put_customer(seeder *s, cust *cu) {
  const int final = cu->steps[cu->nsteps - 1].grade;
  const int64_t last_change = cu->steps[cu->nsteps - 1].day;
  rng *r = &s->r;
  int year, rep = atoi(cu->owner + 1);
  int64_t revenue = cu->revenue;
  char d[11];
  rec *x;
  int rc;
  fs_civil cv;

  day_text(cu->created, d);
  fs__civil_parse(d, 10, FS_DATE_ONLY, &cv);
  year = cv.y;
  fs__archive_format(
      cu->archive, sizeof(cu->archive), cu->owner, year,
      fs__archive_serial(ARCHIVE_SLOT, s->serial_n[rep][year - s->start_year]++));
  x = malloc(sizeof(*x));
  if (x == NULL)
    return FS_ENOMEM;
  rec_begin(s, x, FS_KIND_CUSTOMER, cu->owner, clock_at(s, last_change, 18 * 60));
  snprintf(cu->id, sizeof(cu->id), "%s", x->ch.id);
  rec_text(x, "archive_no", "%s", cu->archive);
  rec_text(x, "name", "%s", cu->name);
  rec_text(x, "address", "%s", cu->address);
  rec_text(x, "phone", "%s", cu->phone);
  rec_text(x, "principal", "%s", cu->contacts[0]);
  rec_text(
      x, "principal_traits", "%s",
      PICK(r, ((const char *const[]){"pragmatic, plays golf / 务实，爱打高尔夫",
                                     "detail-minded engineer / 注重细节的工程师",
                                     "family business, second generation / 家族企业二代",
                                     "former army officer / 退伍军官"})));
  day_text(cu->created - 365 * (3 + below(r, 25)), d);
  rec_text(x, "founded", "%s", d);
  rec_text(x, "org_form", "%s", PICK(r, org_forms));
  rec_text(x, "industry", "%s", PICK(r, industries));
  rec_text(x, "size", "%d employees / 员工 %d 人", 20 + below(r, 2000),
           20 + below(r, 2000));
  rec_text(x, "service_area", "%s",
           cu->chinese ? PICK(r, cn_cities) : PICK(r, en_cities));
  rec_text(x, "grade", "%s", fs__grades[final]);
  day_text(last_change, d);
  rec_text(x, "grade_date", "%s", d);
  if (cu->delivery_day >= 0) {
    day_text(cu->delivery_day, d);
    rec_text(x, "delivery_date", "%s", d);
    rec_text(x, "trading_since", "%s", d);
  }
  if (revenue >= INT64_C(800000000))
    rec_text(x, "tier", "diamond");
  else if (revenue >= INT64_C(300000000))
    rec_text(x, "tier", "gold");
  else if (revenue >= INT64_C(100000000))
    rec_text(x, "tier", "silver");
  else
    rec_text(x, "tier", "none");
  rec_int(x, "key_account", cu->key_account);
  rec_int(x, "revenue", revenue);
  rec_int(x, "margin", revenue / 100 * (8 + below(r, 11)));
  rec_int(x, "growth", 20 + below(r, 81));
  rec_int(x, "payment", 30 + below(r, 71));
  rec_int(x, "credit", 30 + below(r, 71));
  rec_int(x, "strategic", 10 + below(r, 91));
  rec_text(x, "source", "%s",
           cu->walk_in
               ? "walk_in"
               : PICK(r, ((const char *const[]){"phone", "referral", "event", "field"})));
  day_text(cu->created, d);
  rec_text(x, "created", "%s", d);
  if (final != G_LOST && cu->last_next[0])
    rec_text(x, "next_contact", "%s", cu->last_next);
  rc = rec_put(s, x, &s->st.customers);
  free(x);
  return rc;
}

static int put_grade_changes(seeder *s, const cust *cu, rec *x) {
  char d[11];
  int rc = 0;

  for (int i = 0; rc == 0 && i < cu->nsteps; i++) {
    rec_begin(s, x, FS_KIND_GRADE_CHANGE, cu->owner,
              clock_at(s, cu->steps[i].day, 17 * 60));
    rec_text(x, "customer_id", "%s", cu->id);
    rec_text(x, "grade", "%s", fs__grades[cu->steps[i].grade]);
    if (i > 0)
      rec_text(x, "prev_grade", "%s", fs__grades[cu->steps[i - 1].grade]);
    day_text(cu->steps[i].day, d);
    rec_text(x, "date", "%s", d);
    rec_text(x, "note", "%s", i == 0 ? "card opened / 建卡" : "after visit / 访问后调整");
    rc = rec_put(s, x, &s->st.grade_changes);
  }
  return rc;
}

static int put_contacts(seeder *s, const cust *cu, rec *x) {
  static const char *const roles[] = {"decision_maker", "business",  "finance",
                                      "user",           "technical", "business"};
  int rc = 0;

  for (int i = 0; rc == 0 && i < cu->ncontacts; i++) {
    double p = unit(&s->r);
    rec_begin(s, x, FS_KIND_CONTACT, cu->owner, clock_at(s, cu->created, 12 * 60 + i));
    rec_text(x, "customer_id", "%s", cu->id);
    rec_text(x, "name", "%s", cu->contacts[i]);
    rec_text(x, "rank", "%s", ranks[i % 6]);
    rec_text(x, "buying_role", "%s", roles[i % 6]);
    rec_text(x, "stance", "%s", p < 0.45 ? "support" : p < 0.85 ? "neutral" : "oppose");
    rec_text(x, "phone", "1%d%09d", 3 + below(&s->r, 7), below(&s->r, 1000000000));
    rc = rec_put(s, x, &s->st.contacts);
  }
  return rc;
}

static int put_visit(seeder *s, rng *r, cust *cu, rec *x, int64_t day, int minutes,
                     const char *method, int grade, int key) {
  static const char *const stage_by_level[4][2] = {{"contact", "explanation"},
                                                   {"explanation", "demonstration"},
                                                   {"demonstration", "proposal"},
                                                   {"contract", "contract"}};
  int lv = level(grade) < 0 ? 0 : level(grade);
  int days = fs__cadence_days(fs__grades[grade], NULL, NULL);
  char at[20], d[11];

  if (grade == G_DELIVERED) {
    day_text(day, d);
    char del[11];
    day_text(cu->delivery_day, del);
    days = fs__cadence_days("delivered", del, d);
  }
  rec_begin(s, x, FS_KIND_VISIT, cu->owner, clock_at(s, day, minutes));
  at_text(day, minutes, at);
  rec_text(x, "customer_id", "%s", cu->id);
  rec_text(x, "at", "%s", at);
  rec_text(x, "method", "%s", method);
  if (strcmp(method, "in_person") == 0)
    rec_text(x, "place", "%s",
             chance(r, 0.7) ? cu->address : "our showroom / 本公司展厅");
  rec_text(x, "person_met", "%s", cu->contacts[below(r, cu->ncontacts)]);
  rec_int(x, "duration_min",
          strcmp(method, "phone") == 0 ? 5 + below(r, 20) : 30 + below(r, 90));
  rec_text(x, "points", "%s", PICK(r, points));
  rec_text(x, "customer_view", "%s", PICK(r, views));
  rec_text(x, "stage", "%s", stage_by_level[lv][below(r, 2)]);
  rec_text(x, "attitude", "%s",
           lv >= 2 ? (chance(r, 0.8) ? "enthusiastic" : "normal")
                   : (chance(r, 0.5)   ? "normal"
                      : chance(r, 0.5) ? "cold"
                                       : "enthusiastic"));
  rec_text(x, "next_step", "%s", PICK(r, next_steps));
  if (days > 0) {
    day_text(day + days, cu->last_next);
    rec_text(x, "next_contact", "%s", cu->last_next);
  }
  rec_int(x, "key_account", key);
  cu->last_visit = day;
  return rec_put(s, x, &s->st.visits);
}

/* Visits at the cadence of the grade of the day: on time four times in
 * five, otherwise late by up to another cadence.  Draws come from the
 * customer's own stream (cu->visit_rng) so a dry run and the real run make
 * the same visits. */
static int put_visits(seeder *s, cust *cu, rec *x) {
  rng stream = cu->visit_rng, *r = &stream;
  int64_t day = cu->created, stop = cu->lost_day >= 0 ? cu->lost_day : s->end_day;
  int rc = 0;

  cu->last_visit = -1;
  cu->last_next[0] = '\0';
  if (cu->walk_in) {
    /* The 24-hour call-back: usually the same day or the next morning. */
    int late = chance(r, 0.1);
    int mins =
        cu->arrive_min + (late ? 26 * 60 + below(r, 14 * 60) : 60 + below(r, 20 * 60));
    int64_t cday = cu->created + mins / (24 * 60);
    if (cday <= s->end_day)
      rc = put_visit(s, r, cu, x, cday, mins % (24 * 60), "phone", grade_at(cu, cday), 0);
    day = cday;
  }
  while (rc == 0) {
    int g = grade_at(cu, day), days;
    char d[11], del[11];
    if (g == G_LOST)
      break;
    day_text(day, d);
    if (cu->delivery_day >= 0)
      day_text(cu->delivery_day, del);
    days = fs__cadence_days(fs__grades[g], cu->delivery_day >= 0 ? del : NULL, d);
    if (days <= 0)
      break;
    day += chance(r, 0.8) ? days - below(r, days / 2 + 1) : days + 1 + below(r, days);
    if (day > stop || day > s->end_day)
      break;
    {
      double p = unit(r);
      const char *method = p < 0.45   ? "in_person"
                           : p < 0.85 ? "phone"
                           : p < 0.90 ? "email"
                           : p < 0.95 ? "event"
                                      : "letter";
      int key = cu->key_account && strcmp(method, "in_person") == 0 && chance(r, 0.5);
      rc = put_visit(s, r, cu, x, day, (9 + below(r, 9)) * 60 + 15 * below(r, 4), method,
                     grade_at(cu, day), key);
    }
  }
  return rc;
}

static int put_opportunity(seeder *s, const cust *cu, rec *x) {
  static const char *const ans[] = {"yes", "yes", "unknown", "no"};
  rng *r = &s->r;
  const int final = cu->steps[cu->nsteps - 1].grade;
  int64_t day = cu->created + 1 + below(r, 5);
  char d[11];
  int units = (int)(cu->amount / INT64_C(20000000)) + 1;

  if (cu->max_level < 1 || (cu->max_level == 1 && chance(r, 0.5)))
    return 0;
  if (day > s->end_day)
    day = s->end_day;
  rec_begin(s, x, FS_KIND_OPPORTUNITY, cu->owner, clock_at(s, day, 11 * 60));
  rec_text(x, "customer_id", "%s", cu->id);
  rec_text(x, "title", "%d x %s fleet purchase / 车队采购", units, PICK(r, models));
  rec_text(x, "q_real", "yes");
  rec_text(
      x, "q_real_note",
      "budget approved for this year; replacing old vehicles / 今年预算已批，替换旧车");
  rec_text(x, "q_compete", "%s", cu->max_level >= 2 ? "yes" : ans[below(r, 4)]);
  rec_text(x, "q_compete_note",
           "our models meet the range and load needs / 车型满足续航与载重");
  rec_text(x, "q_win", "%s", cu->max_level >= 3 ? "yes" : ans[below(r, 4)]);
  rec_text(x, "q_win_note",
           "good relationship with the fleet supervisor / 与车队主管关系良好");
  rec_text(x, "q_worth", "%s", ans[below(r, 3)]);
  rec_text(x, "q_worth_note",
           "margin acceptable, payment in 60 days / 毛利可接受，60天付款");
  rec_int(x, "amount", cu->amount);
  rec_text(x, "stage", "%s",
           final == G_DELIVERED || final == G_O ? "contract"
           : cu->max_level >= 2                 ? "proposal"
                                                : "explanation");
  rec_text(x, "competitors", "%s, %s", PICK(r, competitors), PICK(r, competitors));
  if (final == G_DELIVERED) {
    rec_text(x, "status", "won");
    day_text(cu->delivery_day, d);
    rec_text(x, "closed", "%s", d);
  } else if (final == G_LOST) {
    rec_text(x, "status", "lost");
    rec_text(x, "lost_reason", "%s", PICK(r, lost_reasons));
    day_text(cu->lost_day, d);
    rec_text(x, "closed", "%s", d);
  } else {
    rec_text(x, "status", "open");
    if (cu->last_next[0])
      rec_text(x, "follow_up", "%s", cu->last_next);
  }
  return rec_put(s, x, &s->st.opportunities);
}

static int put_lost_review(seeder *s, const cust *cu, rec *x) {
  rng *r = &s->r;
  int64_t reviewed = cu->lost_day + 1 + below(r, 5);
  char d[11];

  if (cu->lost_day < 0)
    return 0;
  rec_begin(s, x, FS_KIND_LOST_REVIEW, cu->owner, clock_at(s, cu->lost_day, 18 * 60));
  rec_text(x, "customer_id", "%s", cu->id);
  day_text(cu->lost_day, d);
  rec_text(x, "lost_date", "%s", d);
  rec_text(x, "reason", "%s", PICK(r, lost_reasons));
  rec_text(x, "competitor", "%s", PICK(r, competitors));
  /* Most losses are reviewed within days; recent ones often await it. */
  if (reviewed <= s->end_day && chance(r, 0.75)) {
    x->ch.hlc = clock_at(s, reviewed, 10 * 60);
    for (int i = 0; i < x->ch.nfields; i++)
      x->f[i].hlc = x->ch.hlc;
    rec_int(x, "confirmed", 1);
    rec_text(x, "reviewed_by", "M01");
    day_text(reviewed, d);
    rec_text(x, "reviewed_on", "%s", d);
    rec_text(x, "review_note", "%s",
             chance(r, 0.5) ? "confirmed, analyse pricing / 确认，分析报价"
                            : "agreed, keep in touch for next purchase / 同意，保持联系");
  }
  return rec_put(s, x, &s->st.lost_reviews);
}

static int put_showroom(seeder *s, const cust *cu, rec *x, int64_t day, int minutes,
                        const char *owner) {
  rng *r = &s->r;
  char at[20];

  rec_begin(s, x, FS_KIND_SHOWROOM, owner, clock_at(s, day, minutes));
  at_text(day, minutes, at);
  rec_text(x, "arrived", "%s", at);
  at_text(day, minutes + 10 + below(r, 80), at);
  rec_text(x, "left", "%s", at);
  rec_text(x, "source", "%s", chance(r, 0.85) ? "walk_in" : "phone");
  rec_int(x, "left_details", cu != NULL);
  if (cu) {
    int final = cu->steps[cu->nsteps - 1].grade;
    rec_text(x, "customer_id", "%s", cu->id);
    rec_text(x, "visitor", "%s", cu->contacts[0]);
    rec_text(x, "phone", "%s", cu->phone);
    rec_text(x, "grade", "%s", fs__grades[cu->steps[0].grade]);
    rec_int(x, "ordered", final == G_O || final == G_DELIVERED);
  } else {
    rec_text(x, "grade", "C");
    rec_int(x, "ordered", 0);
  }
  rec_text(x, "model", "%s", PICK(r, models));
  rec_text(x, "colour", "%s", PICK(r, colours));
  rec_text(x, "rep_on_duty", "%s", owner);
  return rec_put(s, x, &s->st.showroom);
}

static int make_customer(seeder *s, int i, rec *x) {
  rng *r = &s->r;
  cust cu;
  int rc;

  memset(&cu, 0, sizeof(cu));
  snprintf(cu.owner, sizeof(cu.owner), "A%02d", 1 + i % s->o->reps);
  cu.chinese = chance(r, 0.65);
  cu.walk_in = chance(r, 0.35);
  if (cu.walk_in) {
    cu.created = showroom_day(s);
    cu.arrive_min =
        arrival_minutes(r, weekday(cu.created) == 0 || weekday(cu.created) == 6);
  } else {
    cu.created = s->start_day + below(r, (int)(s->end_day - s->start_day + 1));
  }
  if (cu.chinese) {
    const char *city = PICK(r, cn_cities);
    snprintf(cu.name, sizeof(cu.name), "%s%s%s有限公司", city, PICK(r, cn_brands),
             PICK(r, cn_biz));
    snprintf(cu.address, sizeof(cu.address), "%s市%s%s%d号", city, PICK(r, cn_districts),
             PICK(r, cn_roads), 1 + below(r, 300));
    snprintf(cu.phone, sizeof(cu.phone), "1%d%09d", 3 + below(r, 7),
             below(r, 1000000000));
  } else {
    snprintf(cu.name, sizeof(cu.name), "%s %s %s", PICK(r, en_first), PICK(r, en_biz),
             PICK(r, en_suffix));
    snprintf(cu.address, sizeof(cu.address), "%d %s, %s", 1 + below(r, 300),
             PICK(r, en_streets), PICK(r, en_cities));
    snprintf(cu.phone, sizeof(cu.phone), "+852 %04d %04d", below(r, 10000),
             below(r, 10000));
  }
  cu.ncontacts = 1 + below(r, MAX_CONTACTS);
  for (int k = 0; k < cu.ncontacts; k++)
    person_name(r, cu.chinese ? chance(r, 0.9) : chance(r, 0.2), cu.contacts[k],
                sizeof(cu.contacts[k]));
  /* Fleet sizes: mostly small, a few large (heavy tail). */
  cu.amount = (int64_t)(1 + (int)exp(unit(r) * 4.0)) * (120000 + below(r, 230000)) * 100;
  make_timeline(s, &cu);
  {
    const int final = cu.steps[cu.nsteps - 1].grade;
    if (final == G_DELIVERED || final == G_O)
      cu.revenue = cu.amount;
    else if (chance(r, 0.3))
      cu.revenue = cu.amount / (2 + below(r, 8));      /* earlier, smaller business */
    cu.key_account = cu.revenue >= INT64_C(100000000); /* 1M yuan and up */
  }
  cu.visit_rng.s = rnd(r);
  /* The card carries the last visit's next contact, but children need the
   * card first: plan the visits dry, then write in order. */
  s->dry = 1;
  rc = put_visits(s, &cu, x);
  s->dry = 0;
  if (rc == 0)
    rc = put_customer(s, &cu);
  if (rc == 0)
    rc = put_grade_changes(s, &cu, x);
  if (rc == 0)
    rc = put_contacts(s, &cu, x);
  if (rc == 0 && cu.walk_in)
    rc = put_showroom(s, &cu, x, cu.created, cu.arrive_min, cu.owner);
  if (rc == 0)
    rc = put_visits(s, &cu, x);
  if (rc == 0)
    rc = put_opportunity(s, &cu, x);
  if (rc == 0)
    rc = put_lost_review(s, &cu, x);
  return rc;
}

/* ---- entry points ------------------------------------------------------------- */

int fs__seed_run(fs_central *c, const fs_seed_opts *o, fs_seed_stats *stats) {
  seeder *s = NULL;
  rec *x = NULL;
  char today[11];
  int64_t now_day;
  int rc, anonymous;

  if (c == NULL || o == NULL || o->reps < 1 || o->reps > FS_SEED_MAX_REPS ||
      o->customers < 0 || o->customers > FS_SEED_MAX_CUSTOMERS || o->months < 1 ||
      o->months > FS_SEED_MAX_MONTHS || o->batch < 0)
    return FS_EINVAL;
  s = calloc(1, sizeof(*s));
  x = malloc(sizeof(*x));
  if (s == NULL || x == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  s->c = c;
  s->o = o;
  s->r.s = o->seed;
  s->batch = o->batch ? o->batch : FS_SEED_DEFAULT_BATCH;
  now_day = (int64_t)(fs__now_ms() / 86400000u);
  if (o->end) {
    if (strlen(o->end) != 10 || fs__date_parse(o->end, &s->end_day) != 0) {
      rc = FS_EINVAL;
      goto out;
    }
  } else {
    fs__today(today);
    if (fs__date_parse(today, &s->end_day) != 0)
      s->end_day = now_day;
  }
  s->start_day = fs__date_add_months(s->end_day, -o->months) + 1;
  {
    char d[11];
    fs_civil cv;
    day_text(s->start_day, d);
    fs__civil_parse(d, 10, FS_DATE_ONLY, &cv);
    s->start_year = cv.y;
  }
  /* Clocks: the record's own time, but never ahead of now (devices refuse
   * clocks from the future) and, for determinism, never past the start of
   * the end day. */
  s->cap_ms = (uint64_t)s->end_day * 86400000u;
  if (s->cap_ms > fs__now_ms())
    s->cap_ms = fs__now_ms();
  rc = batch_begin(s);
  if (rc)
    goto out;
  rc = make_staff(s);
  for (int i = 0; rc == 0 && i < o->customers; i++) {
    rc = make_customer(s, i, x);
    s->customers_done = i + 1;
  }
  /* Anonymous walk-ins and callers who left no details: about 1.5 per
   * walk-in who did, so roughly 40% of the traffic leaves details. */
  anonymous = (int)(s->st.showroom * 3 / 2);
  for (int i = 0; rc == 0 && i < anonymous; i++) {
    int64_t day = showroom_day(s);
    int we = weekday(day) == 0 || weekday(day) == 6;
    char owner[17];
    snprintf(owner, sizeof(owner), "A%02d", 1 + below(&s->r, o->reps));
    rc = put_showroom(s, NULL, x, day, arrival_minutes(&s->r, we), owner);
  }
  if (rc == 0)
    rc = batch_commit(s);
out:
  if (rc && s && s->open)
    fs__central_rollback(c);
  if (stats && s)
    *stats = s->st;
  free(x);
  free(s);
  return rc;
}
