/* model.c - the field tables of every record kind (see model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

const char *const fs__grades[] = {"O", "A", "B", "C", "delivered", "lost", NULL};
const char *const fs__stages[] = {"contact",  "explanation", "demonstration",
                                  "proposal", "contract",    NULL};
const char *const fs__visit_methods[] = {"in_person", "phone", "letter", "email",
                                         "showroom",  "event", NULL};
const char *const fs__attitudes[] = {"enthusiastic", "normal", "cold", NULL};
const char *const fs__buying_roles[] = {"technical",      "business", "finance",
                                        "decision_maker", "user",     NULL};
const char *const fs__stances[] = {"support", "neutral", "oppose", NULL};
const char *const fs__tiers[] = {"none", "diamond", "gold", "silver", NULL};
const char *const fs__opp_status[] = {"open", "won", "lost", NULL};
const char *const fs__answers[] = {"unknown", "yes", "no", NULL};
/* Ordered as fs_role (fs_enums.h); after_sales since schema v8. */
const char *const fs__roles[] = {"rep", "manager", "admin", "after_sales", NULL};
/* Classified reasons of a lost sale (issue 14): the lost report groups by
 * them; the free text says the rest. */
const char *const fs__lost_classes[] = {"price",   "product",      "delivery_time",
                                        "financing", "service",    "relationship",
                                        "postponed", "other",      NULL};
static const char *const sources[] = {"walk_in", "phone", "referral", "event",
                                      "field",   "other", NULL};
/* Issue 14: how a showroom contact reached us (来店 or 来电), apart from the
 * lead source. */
const char *const fs__showroom_channels[] = {"walk_in", "phone", NULL};

#define T(n, max, fl, lab)                                                               \
  { n, FS_FT_TEXT, fl, NULL, 0, max, 0, lab }
/* Long texts are the multi-line ones (notes, points, reasons). */
#define TL(n, fl, lab)                                                                   \
  { n, FS_FT_TEXT, (fl) | FS_F_MULTILINE, NULL, 0, LONG, 0, lab }
#define I(n, lo, hi, fl, lab)                                                            \
  { n, FS_FT_INT, fl, NULL, lo, hi, 0, lab }
#define B(n, fl, lab)                                                                    \
  { n, FS_FT_BOOL, fl, NULL, 0, 1, 0, lab }
#define D(n, fl, lab)                                                                    \
  { n, FS_FT_DATE, fl, NULL, 0, 0, 0, lab }
#define DT(n, fl, lab)                                                                   \
  { n, FS_FT_DATETIME, fl, NULL, 0, 0, 0, lab }
#define E(n, vals, fl, lab)                                                              \
  { n, FS_FT_ENUM, fl, vals, 0, 0, 0, lab }
#define R(n, k, fl, lab)                                                                 \
  { n, FS_FT_REF, fl, NULL, 0, 0, k, lab }
#define S(n, fl, lab)                                                                    \
  { n, FS_FT_STAFF, fl, NULL, 0, 0, 0, lab }

#define SHORT 200
#define LONG 4000
#define MONEY_MAX 1000000000000000LL /* 10^15 minor units */

/* The customer card (客户资料卡): four groups of fields, then the grade,
 * tier and scoring fields the reports use. */
static const fs_field customer_fields[] = {
    /* system-ish, set once */
    T("archive_no", 40, FS_F_IMMUTABLE | FS_F_UNIQUE | FS_F_SEARCH | FS_F_KEY,
      "archive number / 客户档案编号"),
    /* 1. basic data 基础资料 */
    T("name", SHORT, FS_F_REQUIRED | FS_F_SEARCH | FS_F_PERSONAL, "name / 名称"),
    T("address", SHORT, FS_F_PERSONAL, "address / 地址"),
    T("phone", 40, FS_F_SEARCH | FS_F_PERSONAL, "phone / 电话"),
    /* The owner; the managing director and the legal representative are
     * their own fields since v8 (issue 14), at the end of the card. */
    T("principal", SHORT, FS_F_PERSONAL, "owner (proprietor) / 业主 负责人"),
    TL("principal_traits", FS_F_PERSONAL,
       "character, interests, family, education, age / 个人特征"),
    D("founded", 0, "founding date / 成立日期"),
    D("trading_since", 0, "trading with us since / 开始交易日期"),
    T("org_form", SHORT, 0, "organisation form / 组织形式"),
    T("industry", SHORT, 0, "industry / 行业"),
    T("assets", SHORT, 0, "assets / 资产"),
    /* 2. characteristics 客户特征 */
    T("service_area", SHORT, 0, "service area / 服务区域"),
    T("sales_capacity", SHORT, 0, "sales capacity / 销售能力"),
    T("growth_potential", SHORT, 0, "growth potential / 发展潜力"),
    TL("philosophy", 0, "business philosophy and direction / 经营观念与方向"),
    T("size", SHORT, 0, "size / 规模"),
    TL("features", 0, "business features / 经营特点"),
    /* 3. business status 业务状况 */
    TL("sales_performance", 0, "sales performance / 销售实绩"),
    TL("staff_quality", 0, "quality of managers and staff / 管理者与员工素质"),
    TL("competitor_relations", 0, "relations with competitors / 与竞争者关系"),
    TL("attitude_to_us", 0, "relationship and cooperation / 与本公司关系"),
    /* 4. transaction status 交易现状 */
    TL("current_activity", 0, "current activity / 目前状况"),
    TL("problems", 0, "problems / 存在问题"),
    TL("strengths", 0, "strengths / 优势"),
    TL("countermeasures", 0, "next countermeasures / 未来对策"),
    TL("reputation", 0, "reputation / 信誉"),
    T("credit_standing", SHORT, 0, "credit standing / 信用状况"),
    TL("trading_terms", 0, "trading terms / 交易条件"),
    TL("credit_incidents", 0, "credit incidents / 信用问题"),
    /* grade and key-customer fields */
    E("grade", fs__grades, FS_F_REQUIRED, "grade / 确度等级"),
    D("grade_date", 0, "date of the last grade change"),
    D("delivery_date", 0, "delivery date / 交车日期"),
    E("tier", fs__tiers, 0, "key-account tier / 客户等级"),
    B("key_account", 0, "key account / 重点客户"),
    I("revenue", 0, MONEY_MAX, FS_F_MONEY, "revenue / 销售额"),
    I("margin", 0, MONEY_MAX, FS_F_MONEY, "margin / 毛利"),
    I("growth", 0, 100, 0, "growth potential score 0-100"),
    I("payment", 0, 100, 0, "payment record score 0-100"),
    I("credit", 0, 100, 0, "credit score 0-100"),
    I("strategic", 0, 100, 0, "strategic value score 0-100"),
    E("source", sources, 0, "how they came to us / 来源"),
    D("created", 0, "date the card was opened / 建卡日期"),
    D("next_contact", 0, "next contact date / 下次联系日期"),
    /* Issue 14: a rep does not delete a card, they ask the manager to. */
    D("delete_requested", 0, "deletion asked for by the rep on / 申请删除日期"),
    /* Issue 14: the manager's answer to that request (fs_customer_delete_review). */
    T("delete_note", SHORT, FS_F_PERSONAL, "manager's note on the deletion request / 删除审核意见"),
    /* v8 (issue 14, smaller gaps): fields the seeds name that were missing. */
    TL("business_policy", 0, "business policy / 经营政策"),
    T("managing_director", SHORT, FS_F_PERSONAL, "managing director / 总经理"),
    T("legal_rep", SHORT, FS_F_PERSONAL, "legal representative / 法定代表人"),
    /* The service part (背面由售后服务人员完成): after-sales staff write it. */
    /* Delivered cards are filed by its month (按领照月份归档, report cards). */
    D("licence_date", FS_F_SERVICE, "licence-plate date / 领照日期"),
    I("units_delivered", 1, 100000, FS_F_SERVICE, "vehicles delivered / 交车台数"),
    TL("service_notes", FS_F_SERVICE | FS_F_PERSONAL, "after-sales service record / 售后服务记录"),
    /* 动态管理: the day someone last checked the card's data. */
    D("last_verified", 0, "card data last verified / 最近核实日期"),
    /* Issue 14: tier and key_account are the manager's choice, not the
     * score's (`fieldsync keyaccounts apply` leaves the card alone). */
    B("tier_override", 0, "tier is the manager's override / 主管指定等级"),
};

/* Every grade change is kept with its date: an append-only log. */
static const fs_field grade_change_fields[] = {
    R("customer_id", FS_KIND_CUSTOMER, FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY,
      "customer"),
    E("grade", fs__grades, FS_F_REQUIRED | FS_F_IMMUTABLE, "new grade"),
    E("prev_grade", fs__grades, FS_F_IMMUTABLE, "previous grade"),
    D("date", FS_F_REQUIRED | FS_F_IMMUTABLE, "date of change"),
    T("note", SHORT, FS_F_IMMUTABLE | FS_F_PERSONAL, "note"),
};

/* Buying centre member. */
static const fs_field contact_fields[] = {
    R("customer_id", FS_KIND_CUSTOMER, FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY,
      "customer"),
    T("name", SHORT, FS_F_REQUIRED | FS_F_PERSONAL, "name / 姓名"),
    T("rank", SHORT, FS_F_PERSONAL, "administrative rank / 职务"),
    E("buying_role", fs__buying_roles, 0, "buying role / 采购角色"),
    E("stance", fs__stances, 0, "attitude towards us / 态度"),
    T("phone", 40, FS_F_PERSONAL, "phone / 电话"),
    T("email", SHORT, FS_F_PERSONAL, "e-mail"),
    TL("notes", FS_F_PERSONAL, "notes / 备注"),
};

/* Visit record (访问记录): append-only once logged. */
static const fs_field visit_fields[] = {
    R("customer_id", FS_KIND_CUSTOMER, FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY,
      "customer"),
    DT("at", FS_F_REQUIRED | FS_F_IMMUTABLE, "date and time / 访问时间"),
    T("place", SHORT, FS_F_IMMUTABLE | FS_F_PERSONAL, "place / 地点"),
    T("person_met", SHORT, FS_F_IMMUTABLE | FS_F_PERSONAL, "person met / 面谈人"),
    I("duration_min", 0, 24 * 60, FS_F_IMMUTABLE, "duration, minutes / 时长"),
    E("method", fs__visit_methods, FS_F_REQUIRED | FS_F_IMMUTABLE, "method / 方式"),
    TL("points", FS_F_IMMUTABLE | FS_F_PERSONAL, "main points discussed / 洽谈要点"),
    TL("customer_view", FS_F_IMMUTABLE | FS_F_PERSONAL, "the customer's view / 客户意见"),
    E("stage", fs__stages, FS_F_IMMUTABLE, "stage reached / 业务进度"),
    E("attitude", fs__attitudes, FS_F_IMMUTABLE, "customer attitude / 客户态度"),
    TL("next_step", FS_F_IMMUTABLE | FS_F_PERSONAL, "next step / 下一步"),
    D("next_contact", FS_F_IMMUTABLE, "next contact date / 下次联系日期"),
    B("key_account", FS_F_IMMUTABLE, "key-account visit (follow up within a week)"),
    /* Issue 15: a correction is a new visit that supersedes the one it
     * names (history kept: the original stays); counts_on is the day it
     * counts as a contact for the cadence (access_rules.h V1-V5). */
    R("corrects", FS_KIND_VISIT, FS_F_IMMUTABLE, "visit this one corrects / 更正的访问记录"),
    D("counts_on", FS_F_IMMUTABLE, "day a correction counts as a contact / 更正计入日期"),
};

/* Opportunity (销售机会), qualified in four steps. */
static const fs_field opportunity_fields[] = {
    R("customer_id", FS_KIND_CUSTOMER, FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY,
      "customer"),
    T("title", SHORT, FS_F_REQUIRED, "title"),
    E("q_real", fs__answers, 0, "1. is it real? need, budget, time frame"),
    TL("q_real_note", FS_F_PERSONAL, "evidence for 1"),
    E("q_compete", fs__answers, 0, "2. can we compete?"),
    TL("q_compete_note", FS_F_PERSONAL, "evidence for 2"),
    E("q_win", fs__answers, 0, "3. can we win?"),
    TL("q_win_note", FS_F_PERSONAL, "evidence for 3"),
    E("q_worth", fs__answers, 0, "4. is it worth winning?"),
    TL("q_worth_note", FS_F_PERSONAL, "evidence for 4"),
    I("amount", 0, MONEY_MAX, FS_F_MONEY, "amount / 金额"),
    E("stage", fs__stages, 0, "stage / 业务进度"),
    TL("competitors", 0, "competitors / 竞争对手"),
    E("status", fs__opp_status, 0, "open, won or lost"),
    TL("lost_reason", FS_F_PERSONAL, "reason lost / 战败原因"),
    D("closed", 0, "date won or lost"),
    D("follow_up", 0, "scheduled follow-up date"),
    E("lost_class", fs__lost_classes, 0, "class of the reason lost / 战败原因分类"),
};

/* Showroom log entry (展厅客户登记).  customer_id is empty for walk-ins who
 * left no details. */
static const fs_field showroom_fields[] = {
    DT("arrived", FS_F_REQUIRED, "arrival time / 来店时间"),
    DT("left", 0, "departure time / 离店时间"),
    E("source", sources, 0, "how they came / 来源"),
    B("left_details", 0, "left contact details / 留有资料"),
    R("customer_id", FS_KIND_CUSTOMER, 0, "customer card, if any"),
    T("visitor", SHORT, FS_F_PERSONAL, "visitor name / 客户姓名"),
    T("phone", 40, FS_F_PERSONAL, "phone / 电话"),
    T("model", SHORT, 0, "model of interest / 意向车型"),
    T("colour", 40, 0, "colour / 颜色"),
    E("grade", fs__grades, 0, "grade / 确度等级"),
    S("rep_on_duty", FS_F_REQUIRED, "rep on duty / 接待人"),
    B("ordered", 0, "converted to an order / 成交"),
    TL("notes", FS_F_PERSONAL, "notes / 备注"),
    /* Issue 14 (v9): the rep's word on a returning visitor, revisit (unset: the
     * reports look for an earlier entry with the same card or phone), and
     * walk-in or call (unset: from source). */
    B("revisit", 0, "returning visitor / 再次来店"),
    E("channel", fs__showroom_channels, 0, "walk-in or call / 来店或来电"),
};

/* Lost-sale review: the rep records the loss, the manager confirms it. */
static const fs_field lost_review_fields[] = {
    R("customer_id", FS_KIND_CUSTOMER, FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY,
      "customer"),
    D("lost_date", FS_F_REQUIRED, "date lost / 战败日期"),
    TL("reason", FS_F_REQUIRED | FS_F_PERSONAL, "reason / 战败原因"),
    T("competitor", SHORT, 0, "competitor who won / 竞争对手"),
    B("confirmed", 0, "confirmed by the manager / 主管确认"),
    S("reviewed_by", 0, "manager who reviewed"),
    D("reviewed_on", 0, "date reviewed"),
    TL("review_note", FS_F_PERSONAL, "manager's note"),
    /* Issue 14: the classified reason, and the grade the card reopens at
     * if the manager rejects the loss. */
    E("reason_class", fs__lost_classes, 0, "class of the reason / 战败原因分类"),
    E("prev_grade", fs__grades, FS_F_IMMUTABLE, "grade before the loss / 战败前等级"),
};

/* Model generation 2 (issue 14).  The manager's sign-off of a rep's day
 * (随日报表送销售主管签核): owned by the rep whose day it is, written by
 * their manager; who may write it is a rule (common/access_rules.c). */
static const fs_field day_signoff_fields[] = {
    S("rep", FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY, "rep whose day / 销售代表"),
    D("day", FS_F_REQUIRED | FS_F_IMMUTABLE, "day signed off / 日期"),
    S("signed_by", 0, "signed off by / 签核人"),
    DT("signed_at", 0, "signed off at / 签核时间"),
    I("visits", 0, 100000, 0, "visits covered / 访问数"),
    I("changes", 0, 100000, 0, "card changes covered / 资料卡变更数"),
    TL("note", 0, "manager's note / 主管意见"),
};

/* The rep's monthly sales activity plan (月度销售活动计划表); `month` is the
 * first day of the month it plans. */
static const fs_field activity_plan_fields[] = {
    S("rep", FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY, "rep / 销售代表"),
    D("month", FS_F_REQUIRED | FS_F_IMMUTABLE, "month (its first day) / 月份"),
    I("visits_o", 0, 100000, 0, "planned visits, grade O / 计划访问 O"),
    I("visits_a", 0, 100000, 0, "planned visits, grade A / 计划访问 A"),
    I("visits_b", 0, 100000, 0, "planned visits, grade B / 计划访问 B"),
    I("visits_c", 0, 100000, 0, "planned visits, grade C / 计划访问 C"),
    I("new_prospects", 0, 100000, 0, "planned new prospects / 计划新客户"),
    I("showroom_followups", 0, 100000, 0, "planned showroom follow-ups / 计划展厅回访"),
    I("deliveries", 0, 100000, 0, "target deliveries / 目标交车"),
    TL("note", 0, "notes / 备注"),
};

/* Sales history of a customer per month (003: revenue, units and our share
 * of the customer's purchases); `period` is the month's first day. */
static const fs_field sales_period_fields[] = {
    R("customer_id", FS_KIND_CUSTOMER, FS_F_REQUIRED | FS_F_IMMUTABLE | FS_F_KEY,
      "customer"),
    D("period", FS_F_REQUIRED | FS_F_IMMUTABLE, "month (its first day) / 月份"),
    I("revenue", 0, MONEY_MAX, FS_F_MONEY, "revenue / 销售额"),
    I("margin", -MONEY_MAX, MONEY_MAX, FS_F_MONEY, "margin / 毛利"),
    I("units", 0, 1000000, 0, "units sold / 台数"),
    I("share", 0, 100, 0, "our share of the customer's purchases, % / 占有率"),
    TL("note", 0, "notes / 备注"),
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const fs_kind_def kinds[FS_KIND__COUNT] = {
    {FS_KIND_CUSTOMER, "customer", "customers", 0, customer_fields, N(customer_fields),
     -1, 1},
    {FS_KIND_GRADE_CHANGE, "grade_change", "grade_changes", FS_K_APPEND_ONLY | FS_K_CHILD,
     grade_change_fields, N(grade_change_fields), 0, 1},
    {FS_KIND_CONTACT, "contact", "contacts", FS_K_CHILD, contact_fields,
     N(contact_fields), 0, 1},
    {FS_KIND_VISIT, "visit", "visits", FS_K_APPEND_ONLY | FS_K_CHILD, visit_fields,
     N(visit_fields), 0, 1},
    {FS_KIND_OPPORTUNITY, "opportunity", "opportunities", FS_K_CHILD, opportunity_fields,
     N(opportunity_fields), 0, 1},
    /* Showroom entries are owned by the rep on duty; a card link is optional,
     * so it is not a child for visibility. */
    {FS_KIND_SHOWROOM, "showroom", "showroom_log", 0, showroom_fields, N(showroom_fields),
     -1, 1},
    {FS_KIND_LOST_REVIEW, "lost_review", "lost_reviews", FS_K_CHILD, lost_review_fields,
     N(lost_review_fields), 0, 1},
    {FS_KIND_DAY_SIGNOFF, "day_signoff", "day_signoffs", 0, day_signoff_fields,
     N(day_signoff_fields), -1, 2},
    {FS_KIND_ACTIVITY_PLAN, "activity_plan", "activity_plans", 0, activity_plan_fields,
     N(activity_plan_fields), -1, 2},
    {FS_KIND_SALES_PERIOD, "sales_period", "sales_periods", FS_K_CHILD,
     sales_period_fields, N(sales_period_fields), 0, 2},
};

const fs_kind_def *fs__kind_def(fs_kind k) {
  if ((int)k < 0 || k >= FS_KIND__COUNT)
    return NULL;
  return &kinds[k];
}

const char *fs__kind_label(const fs_kind_def *kd) {
  static const char *const labels[FS_KIND__COUNT] = {
      [FS_KIND_CUSTOMER] = "customer",       [FS_KIND_GRADE_CHANGE] = "grade change",
      [FS_KIND_CONTACT] = "contact",         [FS_KIND_VISIT] = "visit",
      [FS_KIND_OPPORTUNITY] = "opportunity", [FS_KIND_SHOWROOM] = "showroom entry",
      [FS_KIND_LOST_REVIEW] = "lost sale",   [FS_KIND_DAY_SIGNOFF] = "day sign-off",
      [FS_KIND_ACTIVITY_PLAN] = "activity plan", [FS_KIND_SALES_PERIOD] = "monthly sales"};
  if (kd == NULL || (int)kd->kind < 0 || kd->kind >= FS_KIND__COUNT)
    return "";
  return labels[kd->kind] ? labels[kd->kind] : kd->name;
}

const fs_kind_def *fs__kind_by_name(const char *name) {
  for (int k = 0; name && k < FS_KIND__COUNT; k++)
    if (strcmp(kinds[k].name, name) == 0)
      return &kinds[k];
  return NULL;
}

int fs__field_index(const fs_kind_def *kd, const char *name) {
  for (int i = 0; kd && name && i < kd->nfields; i++)
    if (strcmp(kd->fields[i].name, name) == 0)
      return i;
  return -1;
}

const fs_value *fs__change_written(const fs_change *c, const char *name) {
  int f = c ? fs__field_index(fs__kind_def(c->kind), name) : -1;
  for (int i = 0; f >= 0 && i < c->nfields; i++)
    if (c->fields[i].field == f)
      return &c->fields[i].value;
  return NULL;
}

int fs__field_kept_on_tombstone(const fs_kind_def *kd, int f) {
  return kd && f >= 0 && f < kd->nfields && (kd->fields[f].flags & FS_F_KEY) != 0;
}

int fs__enum_index(const char *const *values, const char *s) {
  for (int i = 0; values && s && values[i]; i++)
    if (strcmp(values[i], s) == 0)
      return i;
  return -1;
}

void fs__value_free(fs_value *v) {
  if (v == NULL)
    return;
  free(v->s);
  v->s = NULL;
  v->len = 0;
  v->i = 0;
  v->type = FS_V_NULL;
}

int fs__value_set_text(fs_value *v, const char *s, size_t len) {
  char *p = malloc(len + 1);
  if (p == NULL)
    return FS_ENOMEM;
  memcpy(p, s, len);
  p[len] = '\0';
  fs__value_free(v);
  v->type = FS_V_TEXT;
  v->s = p;
  v->len = len;
  return 0;
}

void fs__value_set_int(fs_value *v, int64_t i) {
  fs__value_free(v);
  v->type = FS_V_INT;
  v->i = i;
}

int fs__value_copy(fs_value *dst, const fs_value *src) {
  if (src->type == FS_V_TEXT)
    return fs__value_set_text(dst, src->s, src->len);
  fs__value_free(dst);
  dst->type = src->type;
  dst->i = src->i;
  return 0;
}

int fs__value_equal(const fs_value *a, const fs_value *b) {
  if (a->type != b->type)
    return 0;
  if (a->type == FS_V_INT)
    return a->i == b->i;
  if (a->type == FS_V_TEXT)
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
  return 1;
}

void fs__change_release(fs_change *c) {
  if (c == NULL)
    return;
  for (int i = 0; i < c->nfields; i++)
    fs__value_free(&c->fields[i].value);
  free(c->fields);
  c->fields = NULL;
  c->nfields = 0;
}
