/* report.h - the managers' reports (issue 6, domain.md "What managers
 * read"), computed by SQL over the record tables.  The same code runs on the
 * daemon's central store (`fieldsyncd report NAME`) and on a manager's
 * replica (`fieldsync report NAME`): both hold the same record tables
 * (schema.c), the replica only the team's records.
 *
 * Layout of the module (common/report/): one file per report computes its
 * sections (visits.c, funnel.c, lost.c, ranking.c, showroom.c,
 * activity.c); run.c runs one; weights.c, request.c (the options both
 * command lines share); report_int.h what they share.  The programs parse
 * their own argv (client/cli_report.c, daemon/report_cmd.c).
 *
 * Every report is a list of sections (named typed tables, common/table.h).
 * The one renderer (table.h) and JSON writer (json.h) write them in three
 * formats:
 *   FS_REPORT_TABLE  human text: a title line, the period line ("period
 *                    2026-12-01 .. 2026-12-04 (default: month to date)":
 *                    the note names the defaults used, none if --from and
 *                    --to were both given; then "; staff ..." for an owner
 *                    filter), then per section its title, a header and
 *                    aligned rows (CJK wide characters count two columns;
 *                    numbers right-aligned).
 *   FS_REPORT_CSV    ONE table, as a spreadsheet reads it (issue 15): one
 *                    header row, "section" then the union of the sections'
 *                    column names in first-seen order; every section's rows
 *                    under it, led by the section name, the columns of
 *                    other sections empty (fs__table_csv_merged).  RFC 4180
 *                    quoting and formula neutralising by the one CSV
 *                    writer, fs__strbuf_csv_cell (common/strbuf.h).
 *   FS_REPORT_JSON   one object: {"report":NAME,"from":D,"to":D,
 *                    "owners":[...], SECTION:[{COLUMN:VALUE,...},...],...}
 *                    Counts are JSON integers, shares and scores numbers
 *                    (shares in percent 0..100 with one decimal, scores two
 *                    decimals), absent text and a compliance with nothing
 *                    due null.
 *   Shares (compliance, share, conversion...; FS_COL_PCT) are percent with
 *   one decimal and "%" in text and CSV ("42.5%") in every report, the
 *   number in JSON; a compliance with nothing due is "n/a" (JSON null).
 *   Both programs run this code over the same record tables, so the same
 *   report is the same output from both; what differs is the data: a
 *   manager's replica holds the team's records only (and a cover's or a
 *   loan's while it lasts), and no staff table (FS_RPT_STAFF_SQL,
 *   report_int.h, stands in for it; tests/integration/report_parity.sh).
 *
 * Common rules
 *   - Deleted rows (deleted = 1) never count, except in `visits`: a
 *     deleted card's deadlines missed before its delete still count
 *     (issue 14; below).
 *   - Period: --from and --to are dates "YYYY-MM-DD", both inclusive; a
 *     date-time field (visit.at, showroom.arrived) belongs to the day of its
 *     date part.  Defaults: to = today; from = the first day of to's month,
 *     except for `activity` where from = to (one day).  from > to, or a
 *     text that is not a date, is FS_EINVAL with a message.
 *   - "Rep" and the owner filter: a report groups by, and the owner list
 *     filters on, one staff column per report:
 *       visits, funnel, ranking   customers.owner (who is responsible now)
 *       lost, activity            the record's author (who did the work)
 *       showroom                  showroom_log.rep_on_duty
 *     An empty owner list means every record in the database.
 *   - "Open customer": a non-deleted card whose grade is set and not "lost".
 *
 * Reports and their definitions
 *
 * visits - cadence compliance in the period, per (rep, grade), per rep
 *   (grade "*") and for the whole scope (rep "*"; section "compliance").
 *   For each card that existed by --to (created <= to, or created unknown)
 *   and was open (grade set, not "lost") on some day of the period, with
 *   its delivery date and the cadence of common/cadence.h:
 *     deleted cards  a deleted card (tombstone) of the owner filter counts
 *                    as if lost from the local day of its delete (the
 *                    tombstone's clock) on: its grade until then is that of
 *                    its last grade change (none: not counted); its content
 *                    is cleared, so it has no created date.
 *     grade on day x the grade history replayed: the grade of the last
 *                    grade change dated <= x; before the first change its
 *                    previous grade (else its own); from the last change on
 *                    the card's current grade.
 *     contact days   the distinct days with a visit record by a method that
 *                    counts for the grade in force as that day began
 *                    (fs_report_params.contact_methods, cadence.h; by
 *                    default a letter or an e-mail is no A-grade contact).
 *                    Before --from only methods that count for every grade
 *                    make the anchor.
 *     anchor         the last contact day before --from; else the card's
 *                    created date; else --from itself.
 *     deadlines      walk the clock s from the anchor.  With g = grade on
 *                    s: if g is lost, s jumps to the next change that
 *                    reopens the card (none: stop).  Else d =
 *                    fs__cadence_due(g, delivery, s); stop when d > to.
 *                    Then, with t the first grade change in (s, d]:
 *                    - a contact day in (s, d] on or before t (if any t):
 *                      met; s becomes the last contact day up to t (or d);
 *                    - else a change t: re-rated before the deadline, which
 *                      lapses (neither met nor missed); s = t (a re-rating
 *                      restarts the clock, cadence.h);
 *                    - else missed; s = d (in arrears one contact stays due
 *                      every cadence).
 *                    A deadline counts under g, if d >= from.
 *     due     deadlines falling in [from, to]
 *     met     those met; missed = due - met
 *     done    visit records logged in [from, to], under the grade the card
 *             had as that day began (none while lost)
 *     overdue customers open on --to with a deadline missed before --to
 *             and no contact after it (a missed deadline stays missed
 *             whatever re-ratings follow, issue 14), or whose next due
 *             date, counted from the later of their last contact day on or
 *             before --to (else the anchor) and their last grade change on
 *             or before --to, is before --to; counted under the grade on
 *             --to.
 *     customers  cards per grade they held on some day of [max(from,
 *             created), to]; in the "*" rows each card once.
 *     compliance  met / due in percent (n/a, JSON null, when nothing was
 *             due).
 *   Columns: rep, grade, customers, due, met, missed, done, overdue,
 *   compliance.
 *   Section "teams": the same counts summed per team (team, grade, ...): a
 *   team is a manager and the staff whose manager they are (the staff
 *   table; on a manager's replica, which has none, the manager and the
 *   owners of the cards it holds: FS_RPT_STAFF_SQL; fs__report_team),
 *   within the owner filter.  Cards of staff with
 *   no team (no manager, not a manager, or unknown to this store) appear
 *   only under "compliance"; no section if no rep has a team.
 *   Section "callbacks" (issue 14): showroom_log entries with
 *   left_details = 1 arrived in [from, to], per rep_on_duty (the owner
 *   filter applies to it), then "*".  The call-back is the first visit
 *   record (any method) of the linked card after the arrival and before the
 *   end of --to.  due: entries called back, or whose 24 hours ended before
 *   the end of --to; met: called back within 24 hours (to the second);
 *   late: after; missed: not called back (a visitor with no card cannot
 *   be); compliance = met / due (n/a when nothing was due); avg_hours and
 *   max_hours: hours from arrival to call-back over those called back
 *   (empty if none).
 *   Section "followups" (issue 14): key-account visits (key_account = 1)
 *   dated in [from, to] of non-deleted cards, per card owner, then "*".
 *   The follow-up is the next visit record of the card (later at, or the
 *   same at and a greater id) before the end of --to; due date = the
 *   visit's date + 7 days.  due: followed up, or due date before --to;
 *   met: followed up by the due date; late; missed; compliance; avg_days
 *   and max_days from the visit's day to the follow-up's day.
 *   Example (C, 14 days, period 2026-03-01..31, last contact 02-20): d =
 *   03-06, contact 03-04 -> met, s = 03-04; d = 03-18, no contact until
 *   03-25 -> missed, s = 03-18; d = 04-01 > to: stop.  due 2, met 1; next
 *   due from 03-25 is 04-08: not overdue.  Had it been re-rated A on 03-01,
 *   the 03-06 deadline lapses, s = 03-01 and the A deadline 03-03 is missed.
 *
 * funnel - a snapshot and the movement of the period.
 *   section "grades": per rep (and "*" for the scope) and grade, the count
 *   of non-deleted customers per stage.  A customer's stage is the most
 *   advanced stage among its open opportunities (status open or unset, stage
 *   set); if none, the stage of its latest visit that records a stage;
 *   else "none".  The snapshot is the records as they are now (the period
 *   does not apply to it).  Columns: rep, grade, none, contact,
 *   explanation, demonstration, proposal, contract, total.
 *   section "movement": grade_changes dated in [from, to] counted per
 *   (prev_grade, grade); a change without prev_grade counts from "new".
 *   Columns: from_grade, to_grade, count.
 *
 * lost - lost_reviews whose lost_date is in [from, to], counted by
 *   "reasons" (reason text as written), "competitors" (empty -> "(none)"),
 *   "reps" (author: lost, confirmed, pending) and "months" (YYYY-MM: lost,
 *   confirmed, pending).  confirmed = 1 is confirmed; "pending" counts the
 *   others.  A review awaits the manager while it is neither confirmed nor
 *   reviewed (reviewed_by unset; a rejection sets reviewed_by with
 *   confirmed 0): summary's awaiting_review and section "pending" list
 *   those with lost_date <= to, also older than --from (they still wait),
 *   oldest first, at most FS_REPORT_LIST_MAX rows: lost_date, rep,
 *   archive_no, customer, reason, competitor.
 *   Section "classes" (issue 14): per reason class (lost_review
 *   reason_class, opportunity lost_class; none = "unclassified"), the lost
 *   sales of the period (lost_sales, confirmed, pending) and the
 *   opportunities with status lost closed in [from, to] (by their author:
 *   lost_opportunities, opportunity_amount), most first, then by name.
 *   Section "opportunities": those opportunities (closed, rep, archive_no,
 *   title, class, reason, amount), oldest first, at most
 *   FS_REPORT_LIST_MAX rows.
 *
 * ranking - key customers by a weighted score index.  The set: non-deleted
 *   cards that are not lost and have revenue > 0 (owner filter applies).
 *   Components, each 0..100: revenue_n = revenue * 100 / max revenue of the
 *   set, margin_n likewise (margin unset = 0), growth, payment, credit,
 *   strategic as stored (unset = 0).  score = sum(w_i * c_i) / sum(w_i).
 *   Weights: fs_report_weights (defaults below, or a file, see
 *   fs__report_weights_parse).  Rank: score desc, then revenue desc, then
 *   id.  Pareto: customers ordered by revenue desc (then id); cum_share is
 *   the revenue share of the customer and all before it in that order; the
 *   key accounts are that order's shortest prefix reaching 80% of the
 *   revenue (the customer that crosses 80% is one).  Tier, among the K key
 *   accounts ranked by score, position p: diamond if p <= ceil(K * 20%),
 *   gold if p <= ceil(K * 50%), else silver; others "none".
 *   Section "summary": customers, revenue total, key accounts, their share,
 *   diamond, gold, silver counts.  Section "ranking": the first `top` by
 *   score: rank, archive_no, name, owner, revenue, margin, revenue_n,
 *   margin_n, growth, payment, credit, strategic, score, share, cum_share,
 *   key, tier.  The period does not apply.
 *
 * showroom - showroom_log entries arrived in [from, to], counted per
 *   unique customer: the key is customer_id if set, else the phone
 *   (trimmed) if set, else the entry itself (each anonymous walk-in is its
 *   own customer).  Per group, a customer "left details" if any of its
 *   entries there has left_details = 1, is "serious" if any has grade O, A
 *   or B, "ordered" if any has ordered = 1.
 *   section "summary": entries, customers, left_details, serious, ordered
 *     and their shares of customers (details_share, serious_share,
 *     conversion).
 *   sections "hours" (00..23) and "weekdays" (0 = Sunday .. 6, with name):
 *     entries arriving in that slot, and customers whose FIRST arrival in
 *     the period falls in it.
 *   sections "models" (model, empty -> "(none)") and "reps" (rep on duty):
 *     entries, customers, left_details, serious, ordered, conversion, over
 *     the group's own entries.
 *
 * activity - per (date, rep = author) with any activity in [from, to],
 *   section "days": visits (method in_person, showroom or event), calls
 *   (phone), other (letter, email), new_prospects (customer cards whose
 *   created date is that day), grade_changes (dated that day).  Section
 *   "reps": the same summed per rep over the period, with rep "*" for the
 *   total.
 *   Section "backdated" (issue 14): visits recorded in [from, to] (the
 *   local day of the record's clock, date.h) more than the window
 *   (fs_report_params.backdate_days, default FS_REPORT_BACKDATE_DAYS,
 *   option --backdate-days) after their own date: rep (author), recorded,
 *   visit_date, archive_no, customer, method, days_late; by recorded day,
 *   at most FS_REPORT_LIST_MAX rows.  They are kept: a late entry is
 *   flagged, not refused (a visit dated in the future is, access_rules.h).
 */
#ifndef FS_REPORT_H
#define FS_REPORT_H

#include <sqlite3.h>
#include <stddef.h>

#include "cmdline.h"
#include "strbuf.h"

#define FS_REPORT_OWNERS_MAX 256 /* staff codes in one filter */
#define FS_REPORT_LIST_MAX 1000  /* rows of a detail list (lost pending) */
#define FS_REPORT_TOP_DEFAULT 100
#define FS_REPORT_ERR_MAX 256
#define FS_REPORT_WEIGHTS_FILE_MAX 65536 /* bytes of a weights file */
#define FS_REPORT_BACKDATE_DAYS 2        /* activity: the back-dating window */

typedef enum fs_report_format {
  FS_REPORT_TABLE = 0,
  FS_REPORT_CSV,
  FS_REPORT_JSON
} fs_report_format;

/* Score components of the ranking, in this order. */
typedef enum fs_report_comp {
  FS_RC_REVENUE = 0,
  FS_RC_MARGIN,
  FS_RC_GROWTH,
  FS_RC_PAYMENT,
  FS_RC_CREDIT,
  FS_RC_STRATEGIC,
  FS_RC__COUNT
} fs_report_comp;

/* Weights, >= 0, not all 0.  Defaults: revenue 0.30, margin 0.20, growth
 * 0.15, payment 0.15, credit 0.10, strategic 0.10. */
typedef struct fs_report_weights {
  double w[FS_RC__COUNT];
} fs_report_weights;

typedef struct fs_report_params {
  const char *name;          /* visits funnel lost ranking showroom activity */
  const char *from;          /* "YYYY-MM-DD" or NULL: default (see top) */
  const char *to;            /* "YYYY-MM-DD" or NULL: today */
  const char *today;         /* "YYYY-MM-DD" or NULL: the local date (for defaults) */
  const char *const *owners; /* staff codes, nowners of them; 0 = all */
  int nowners;
  const fs_report_weights *weights; /* NULL: defaults */
  int top;                          /* ranking rows; 0: FS_REPORT_TOP_DEFAULT; < 0: all */
  /* visits: which visit methods are the contact of each grade, the
   * setting of fs__cadence_methods_parse (cadence.h); NULL: the default
   * (A: a visit or a call, not a letter or an e-mail). */
  const char *contact_methods;
  /* activity: a visit logged more than this many days after its date is
   * listed as back-dated; 0: FS_REPORT_BACKDATE_DAYS. */
  int backdate_days;
  /* Text: the display columns each section's table fits (table.h
   * fs__table_text_fit: shortened, then columns dropped); 0: every cell
   * whole (a pipe or a file).  A terminal's width (issue 15). */
  int width;
} fs_report_params;

/* Report names, NULL-terminated, and a one-line summary of each. */
extern const char *const fs__report_names[];
const char *fs__report_summary(const char *name); /* NULL if unknown */

/* Runs report p->name on db and appends it to out in format fmt.
 * Reads only; runs in one read transaction (one snapshot) unless the caller
 * already has one open.  Returns 0; FS_EINVAL with a message in err
 * (may be NULL; FS_REPORT_ERR_MAX bytes) for an unknown report, a bad date
 * or period, too many owners or bad weights; FS_EOVERFLOW if out's bound
 * was reached (out then holds a partial text); FS_ENOMEM; a translated
 * SQLite error (FS_EBUSY, FS_EDB...) with err set. */
int fs__report_run(sqlite3 *db, const fs_report_params *p, fs_report_format fmt,
                   fs__strbuf *out, char *err);

/* The same in two steps, for a caller that reads the typed sections
 * (libfieldsync's fs_report): fs__report_compute runs p (as
 * fs__report_run, its codes and messages) into a new *out that holds the
 * sections (table.h tables, in report order) and copies of what the
 * rendering needs, so p may go; fs__report_out_render writes it as
 * fs__report_run would.  Free with fs__report_out_free (takes NULL). */
typedef struct fs_report_out fs_report_out;
struct fs_table;
int fs__report_compute(sqlite3 *db, const fs_report_params *p, fs_report_out **out,
                       char *err);
int fs__report_out_render(fs_report_out *o, fs_report_format fmt, fs__strbuf *out,
                          char *err);
int fs__report_out_sections(const fs_report_out *o);
/* Section i's table (NULL out of range), its name and title. */
const struct fs_table *fs__report_out_section(const fs_report_out *o, int i,
                                              const char **name, const char **title);
/* The period as run, "YYYY-MM-DD". */
const char *fs__report_out_from(const fs_report_out *o);
const char *fs__report_out_to(const fs_report_out *o);
void fs__report_out_free(fs_report_out *o);

void fs__report_weights_default(fs_report_weights *w);
/* Parses a weights file's text: lines `name = number` (names revenue,
 * margin, growth, payment, credit, strategic), '#' comments and blank
 * lines.  The file replaces the defaults: a name it does not give weighs 0.
 * 0, or FS_EINVAL with "line N: ..." in err for an unknown name, a
 * duplicate, a negative or non-numeric value, or all weights 0. */
int fs__report_weights_parse(const char *text, fs_report_weights *w, char *err);
/* Reads the file at path (at most FS_REPORT_WEIGHTS_FILE_MAX bytes) and
 * parses it.  FS_EIO (err says why) if it cannot be read. */
int fs__report_weights_load(const char *path, fs_report_weights *w, char *err);

/* Appends the staff codes of team `manager` (the manager and every staff
 * member whose manager it is, from the staff table) to codes (each 17
 * bytes), from index *n up to max.  0; FS_ENOTFOUND (err set) if the
 * manager is not in the staff table; FS_EOVERFLOW if more than max. */
int fs__report_team(sqlite3 *db, const char *manager, char (*codes)[17], int max, int *n,
                    char *err);

/* ---- the options of `report NAME`, shared by both command lines ----
 * Data, not parsing: each program (client/cli_report.c, daemon/
 * report_cmd.c) parses its argv its own way and hands each option and its
 * value to fs__report_request_set, so the two CLIs cannot drift:
 *   NAME [--from D] [--to D] [--rep CODE]... [--team CODE] [--csv]
 *   [--weights FILE] [--top N] [--contact-methods SETTING]
 * (--json is a global option of both tools). */
typedef enum fs_report_opt_id {
  FS_ROPT_FROM = 0,
  FS_ROPT_TO,
  FS_ROPT_REP,
  FS_ROPT_TEAM,
  FS_ROPT_CSV,
  FS_ROPT_WEIGHTS,
  FS_ROPT_TOP,
  FS_ROPT_CONTACT_METHODS,
  FS_ROPT_BACKDATE_DAYS
} fs_report_opt_id;

typedef struct fs_report_opt {
  const char *name; /* "--from" */
  fs_report_opt_id id;
  const char *value; /* what its value is ("YYYY-MM-DD"); NULL: a flag */
} fs_report_opt;

/* Every option, in usage order; ends with a NULL name. */
extern const fs_report_opt fs__report_opts[];
/* The option named arg exactly ("--from"), or NULL. */
const fs_report_opt *fs__report_opt_find(const char *arg);
/* Help for NAME and every option of fs__report_opts, with defaults, for
 * both programs' `report --help` (common/cmdline.h layout). */
extern const fs_cmd_opt fs__report_opt_docs[];
/* The option nearest to a mistyped arg ("--tem" -> "--team"), or NULL
 * (common/suggest.h). */
const char *fs__report_opt_suggest(const char *arg);

#define FS_REPORT_ARGS_USAGE                                                             \
  "visits|funnel|lost|ranking|showroom|activity [--from YYYY-MM-DD] "                    \
  "[--to YYYY-MM-DD] [--rep CODE]... [--team MANAGER] [--csv] [--weights FILE] "         \
  "[--top N] [--contact-methods GRADE=METHOD,...;...] [--backdate-days N]"
#define FS_REPORT_USAGE "report " FS_REPORT_ARGS_USAGE

/* What one command line asks for.  Pointers point into the caller's argv
 * (they must outlive the request). */
typedef struct fs_report_request {
  const char *name, *from, *to, *team, *weights;
  const char *contact_methods; /* --contact-methods, as fs_report_params */
  const char *reps[FS_REPORT_OWNERS_MAX];
  int nreps;
  int csv; /* --csv */
  int top; /* as fs_report_params.top */
  int backdate_days; /* --backdate-days, as fs_report_params */
  int width;         /* as fs_report_params (not an option: the terminal's) */
} fs_report_request;

/* Applies option o with its value (NULL for a flag) to q, which starts
 * zeroed.  0, or FS_EUSAGE with a message in err (FS_REPORT_ERR_MAX
 * bytes): a missing value, too many --rep, a --top that is not a count. */
int fs__report_request_set(fs_report_request *q, const fs_report_opt *o,
                           const char *value, char *err);
/* Runs q on db into out in format fmt: resolves --team (fs__report_team)
 * and --weights (fs__report_weights_load), then fs__report_run.  Its codes,
 * and FS_ENOTFOUND/FS_EOVERFLOW for the team, FS_EIO for a weights file
 * that cannot be read, FS_EUSAGE without a report name; err says why. */
int fs__report_request_run(sqlite3 *db, const fs_report_request *q, fs_report_format fmt,
                           fs__strbuf *out, char *err);
/* The same, computed for a caller that reads the sections
 * (fs__report_compute). */
int fs__report_request_compute(sqlite3 *db, const fs_report_request *q,
                               fs_report_out **out, char *err);

#endif
