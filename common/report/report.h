/* report.h - the managers' reports (issue 6, domain.md "What managers
 * read"), computed by SQL over the record tables.  The same code runs on the
 * daemon's central store (`fieldsyncd report NAME`) and on a manager's
 * replica (`fieldsync report NAME`): both hold the same record tables
 * (schema.c), the replica only the team's records.
 *
 * Layout of the module (common/report/): one file per report computes its
 * sections (visits.c, funnel.c, lost.c, ranking.c, showroom.c,
 * activity.c with plan.c, signoff.c, cards.c, keyvisits.c); grades.c replays a card's grade
 * history (visits, funnel --as-of, the plan); run.c runs one; weights.c, request.c (the options both
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
 *     except for `activity` where from = to (one day) and `ranking` where
 *     from = the first day of the 12th month back (12 months to date).  from > to, or a
 *     text that is not a date, is FS_EINVAL with a message.
 *   - "Rep" and the owner filter: a report groups by, and the owner list
 *     filters on, one staff column per report:
 *       visits, funnel, ranking   customers.owner (who is responsible now)
 *       lost, activity, signoff   the record's author (who did the work;
 *                                 activity's plan section: the plan's rep)
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
 *   --as-of YYYY-MM (issue 14, the month-end stock-take; a month that
 *   ended before today, else FS_EINVAL; funnel only): "grades" is the
 *   state at the end of that month's last day E instead of now, and the
 *   period defaults to that month.  The cards then: created <= E (or
 *   created unknown), not deleted by E (a card deleted later counts, with
 *   the grade of its last change, as in visits).  Grade on E: the grade
 *   history replayed as in visits ("grade on day x").  Stage on E: the
 *   stage of the latest visit recording one dated up to E (opportunities
 *   keep no stage history, so they do not count here).  Rep: the card's
 *   owner now.  The text's period line adds "; as of the end of YYYY-MM
 *   (E)", JSON a key "as_of": E.
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
 * ranking - key customers by the composite score (综合打分, issue 14): the
 *   weighted index of domain.md "Key customers" over ALL customers,
 *   prospects with no revenue yet included, not by revenue alone.  The
 *   set: non-deleted cards that are not lost (owner filter applies).
 *   Components, each 0..100: revenue_n = revenue * 100 / max revenue of the
 *   set (unset = 0; 0 for all if no card has revenue), margin_n likewise,
 *   growth, payment, credit, strategic as stored (unset = 0).  score =
 *   sum(w_i * c_i) / sum(w_i), rounded to two decimals (what is shown is
 *   what is compared).  The setting (fs_report_scoring: the weights and
 *   the tier cut-offs) is built in, or a weights file (--weights,
 *   fs__report_weights_parse), then --scoring over it
 *   (fs__report_scoring_parse).  Rank: score desc, then revenue desc, then
 *   id.  Tier by the score's cut-offs: diamond if score >= cut diamond,
 *   else gold if >= cut gold, else silver if >= cut silver, else "none";
 *   a key account is a customer with a tier.  Defaults (the product's own
 *   choice, stated in README and --help): weights revenue 30, margin 20,
 *   growth 15, payment 15, credit 10, strategic 10; cut-offs diamond 70,
 *   gold 50, silver 30.
 *   Pareto (the 80/20 view, shown beside the score): share = revenue /
 *   total revenue of the set; cum_share the share of this customer and
 *   every one ranked above it (score order); pareto_80 in the summary: how
 *   many customers, taken by revenue desc (then id), make 80% of the
 *   revenue.
 *   The card (issue 14): card_tier is the tier stored on the card (unset =
 *   "none"); override "yes" if the card's tier is the manager's choice
 *   (customer.tier_override), which `keyaccounts apply` leaves alone.
 *   to_apply counts the other cards whose stored tier or key_account
 *   differs from the report's (what `fieldsync keyaccounts apply` would
 *   change).
 *   Section "summary": customers, prospects (no revenue), revenue total,
 *   key_accounts, key_share (their revenue share), diamond, gold, silver,
 *   pareto_80, overrides, to_apply, from_card.  Section "ranking": the first `top`
 *   by score: rank, archive_no, name, owner, revenue, margin, revenue_n,
 *   margin_n, growth, payment, credit, strategic, score, share, cum_share,
 *   key, tier, card_tier, override, source.
 *   The period (issue 14, sales history per month): a customer's revenue
 *   and margin are the sums of its sales_period records (not deleted)
 *   whose month (period, its first day) lies in [the first of --from's
 *   month, --to]: source "history".  A card with no sales_period record at
 *   all counts its own revenue and margin fields instead: source "card",
 *   counted in the summary's from_card.  A margin below 0 scores 0.
 *   Default period: the first of the 12th month back from --to's month to
 *   --to (12 months to date).
 *
 * showroom - showroom_log entries arrived in [from, to] (rep_on_duty is the
 *   owner filter), as the seeds measure them (issue 14; domain.md
 *   "Showroom log").  Per entry:
 *     returning   the rep's word when revisit is set (yes or no); unset
 *                 (0.1.0 clients, or not said): an earlier non-deleted
 *                 entry (earlier arrival, or the same and a smaller id) of
 *                 any rep at any time, in this database, linked to the same
 *                 card or with the same trimmed non-empty phone.  The rep
 *                 decides, since a phone is shared (a company switchboard,
 *                 a family) and a visitor may give none the first time;
 *                 the match on card or phone is the default the rep
 *                 overrides.  Returning visitors are counted apart:
 *                 first-time = not returning.
 *     left_details  first-time, and left_details = 1 or linked to a card
 *                 (a card holds the details): 来店/来电, the count the
 *                 seeds take.
 *     valid       (有效客户) left details, and the entry's grade is O, A, B
 *                 or C.
 *     converted   left details, linked to a card (customer_id) that is not
 *                 deleted, and that card shows an order dated from the
 *                 visit's day to that day + the window
 *                 (fs_report_params.convert_days, option --convert-days,
 *                 default FS_REPORT_CONVERT_DAYS = 30), both inclusive: a
 *                 grade_change to O or delivered, the card's grade O or
 *                 delivered with its grade_date then, its delivery_date,
 *                 or a won opportunity closed then.  The window may reach
 *                 past --to: orders recorded after the period count, so a
 *                 visit late in the period may still convert.  The
 *                 ordered box alone is no conversion (it is the rep's
 *                 claim); ticked_unverified counts first-time entries whose
 *                 box is ticked but whose card shows no such order.
 *     channel     walk_in or phone (来店/来电): the entry's channel; unset:
 *                 phone if source is phone, else walk_in.  source unset is
 *                 "(none)".
 *   section "summary": entries, returning, first_time, left_details,
 *     details_share (left_details / first_time), valid, valid_share
 *     (valid / left_details), converted, conversion (converted /
 *     left_details), ticked_unverified, window_days.  The text header says
 *     the window ("conversion window N days after the visit", and
 *     "(default; --convert-days)" when it is).
 *   sections "hours" (00..23) and "weekdays" (0 = Sunday .. 6, with name):
 *     entries, first_time, left_details arriving in that slot.
 *   sections "models" (model, empty -> "(none)"; most left_details first)
 *     and "reps" (rep on duty: each rep's conversion on duty), "sources"
 *     (month YYYY-MM and lead source; per month most left_details first)
 *     and "channels" (month and walk_in, phone): entries, returning,
 *     left_details, valid, converted, conversion (n/a when no one left
 *     details).  One statement computes them all, over the entries
 *     MATERIALIZED once (SQLite 3.35 or later, CMakeLists.txt).
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
 *   Section "plan" (issue 14, plan against actual; plan.c): the monthly
 *   activity plans (activity_plans, owner filter on rep) whose month lies
 *   in [the first of --from's month, --to], by rep and month; per plan
 *   seven rows, item visits_o, visits_a, visits_b, visits_c,
 *   new_prospects, showroom_followups, deliveries: planned (empty if the
 *   plan leaves it unset), done and share = done / planned (n/a when
 *   nothing is planned).  done counts from the month's first day to the
 *   earlier of its last day and --to ("month to --to", whatever --from):
 *     visits_X       the rep's visit records (author; any method) under
 *                    the grade their card had as that day began (the
 *                    grade history, as in visits' "done"; any card, also
 *                    a colleague's);
 *     new_prospects  cards the rep opened (author, created);
 *     showroom_followups  showroom entries with left_details = 1 and a
 *                    card whose call-back (the card's first visit record
 *                    after the arrival, as in visits' "callbacks") the rep
 *                    made in the window;
 *     deliveries     the rep's cards (owner) with delivery_date in it.
 *
 * signoff - the manager's sign-off of a rep's day (issue 14, 随日报表送销售
 *   主管签核).  A day with work of a rep: a day in [from, to] with a visit
 *   record dated that day, a card opened (created) that day or a
 *   re-rating (grade change with a prev_grade) dated that day, by the rep
 *   (author; the owner filter applies to it); visits and changes count
 *   them (fs__report_day_counts, which a sign-off records).  It is signed
 *   off if a live day_signoff has that rep and day.
 *   Section "reps": rep, work_days, signed, unsigned, then "*".
 *   Section "unsigned": those days not signed off: date, rep, visits,
 *   changes; by date then rep, at most FS_REPORT_LIST_MAX rows.
 *   Section "signoffs": live sign-offs with day in [from, to] (owner
 *   filter on rep): date, rep, signed_by, signed_at, visits, changes as
 *   recorded then; by date then rep, at most FS_REPORT_LIST_MAX rows.
 *
 * cards - the upkeep of the cards (issue 14, smaller gaps); the owner
 *   filter is customers.owner.  "Open" as above (lost and deleted cards
 *   never count).
 *   Section "summary": open_cards; stale (below); never_verified (open
 *   cards without last_verified); delivered (cards graded delivered now);
 *   unfiled (delivered without licence_date); units (the vehicles of the
 *   delivered cards: units_delivered, a card without it counting 1);
 *   delete_requests (below).  The period does not apply but for --to.
 *   Section "licence_months" (按领照月份归档): delivered cards whose
 *   licence_date is in [from, to], per month of that date (YYYY-MM,
 *   ascending), then "*": cards, units (as above), without_units (cards
 *   counted as 1 because units_delivered is unset).
 *   Section "filed": those cards one by one, by licence_date then archive
 *   number, at most FS_REPORT_LIST_MAX: month, rep, archive_no, customer,
 *   delivery_date, licence_date, units (as stored; empty if unset).
 *   Section "delivery_checks": the cards whose service part does not
 *   reconcile with the vehicles delivered, now (the period does not
 *   apply), by owner then archive number, at most FS_REPORT_LIST_MAX:
 *   rep, archive_no, customer, grade, delivery_date, licence_date, units,
 *   problem: "no licence date (not filed)" (delivered without
 *   licence_date), "units delivered missing (counted as 1)" (delivered
 *   without units_delivered), "licence date or units on a card not
 *   delivered"; several joined by "; ".  The rule: a delivered card has
 *   its licence-plate date and its units; the vehicles delivered are the
 *   sum of the units, and these lines are what keeps the two apart.
 *   Section "stale" (动态管理): open cards whose data was last known good
 *   (last_verified, else created) more than N days before --to, or never
 *   (both unset): rep, archive_no, customer, grade, last_verified, since
 *   (that day), days (--to minus it); N = fs_report_params.stale_days
 *   (option --stale-days, default FS_REPORT_STALE_DAYS = 90).  Never
 *   known first, then oldest first, at most FS_REPORT_LIST_MAX.
 *   Section "delete_requests" (issue 14): cards with delete_requested on
 *   or before --to (older ones too: they still wait), oldest first:
 *   requested, rep, archive_no, customer, grade, visits (its visit records,
 *   which the manager's confirmation keeps in the reports).
 *
 * keyvisits - key accounts visited by supervisor-level staff (大客户开发主管
 *   级以上人员实施, issue 14).  A key-account visit: a non-deleted visit of
 *   a non-deleted card, flagged key_account = 1 or of a card whose
 *   key_account is 1 now.  Supervisor-level: its author's role is manager
 *   or admin in the staff table (derived, not a field; on a manager's
 *   replica, which has no staff table, FS_RPT_STAFF_SQL knows the holder's
 *   own role only, so there the manager's own visits are the
 *   supervisor-level ones).  The owner filter is the card's owner.
 *   Section "key_accounts": every card that is a key account now, and any
 *   other with a flagged visit dated in [from, to], by owner and archive
 *   number, at most FS_REPORT_LIST_MAX: rep, archive_no, customer, visits
 *   (key-account visits dated in [from, to]), by_supervisors (those by
 *   supervisor-level staff), supervisors (their codes, comma-separated,
 *   sorted), last_by_supervisor (the day of the last supervisor-level
 *   visit up to --to, also before --from; empty: never).
 *   Section "supervisors": per supervisor-level author, then "*":
 *   key_accounts (distinct cards visited in [from, to]), visits.
 */
#ifndef FS_REPORT_H
#define FS_REPORT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "strbuf.h"

#define FS_REPORT_OWNERS_MAX 256 /* staff codes in one filter */
#define FS_REPORT_LIST_MAX 1000  /* rows of a detail list (lost pending) */
#define FS_REPORT_TOP_DEFAULT 100
#define FS_REPORT_ERR_MAX 256
#define FS_REPORT_WEIGHTS_FILE_MAX 65536 /* bytes of a weights file */
#define FS_REPORT_BACKDATE_DAYS 2        /* activity: the back-dating window */
#define FS_REPORT_CONVERT_DAYS 30        /* showroom: the conversion window */
#define FS_REPORT_STALE_DAYS 90          /* cards: a card unverified longer is stale */

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

/* Weights, >= 0, not all 0 (only their ratios count).  Defaults: revenue
 * 30, margin 20, growth 15, payment 15, credit 10, strategic 10. */
typedef struct fs_report_weights {
  double w[FS_RC__COUNT];
} fs_report_weights;

/* The key-account setting (issue 14): the weights and the score a
 * customer needs for each tier, cut[0] diamond >= cut[1] gold >= cut[2]
 * silver > 0, each <= 100.  Defaults 70, 50, 30. */
typedef struct fs_report_scoring {
  fs_report_weights w;
  double cut[3];
} fs_report_scoring;
#define FS_REPORT_SCORING_DEFAULT                                                        \
  "revenue=30,margin=20,growth=15,payment=15,credit=10,strategic=10,"                    \
  "diamond=70,gold=50,silver=30"

/* One customer of the ranking as computed (for `keyaccounts apply`,
 * fs_report_params.each): tiers are fs__tiers indexes, 0 = none. */
typedef struct fs_rank_row {
  const char *id, *archive_no, *name, *owner; /* archive_no, name may be NULL */
  double score;
  int tier;      /* the report's tier; key account = tier > 0 */
  int card_tier; /* stored on the card (unset: 0) */
  int card_key;  /* stored key_account (unset: 0) */
  int override;  /* stored tier_override: the manager's choice */
} fs_rank_row;
/* Called per customer in rank order; a non-zero return stops the report
 * and is its result. */
typedef int (*fs_rank_each)(void *ctx, const fs_rank_row *row);

typedef struct fs_report_params {
  const char *name;          /* visits funnel lost ranking showroom activity signoff
                                cards keyvisits */
  const char *from;          /* "YYYY-MM-DD" or NULL: default (see top) */
  const char *to;            /* "YYYY-MM-DD" or NULL: today */
  const char *today;         /* "YYYY-MM-DD" or NULL: the local date (for defaults) */
  const char *const *owners; /* staff codes, nowners of them; 0 = all */
  int nowners;
  const fs_report_weights *weights; /* NULL: defaults */
  /* ranking: weights and tier cut-offs "name=number,..." over the weights
   * (fs__report_scoring_parse); NULL: none (the defaults). */
  const char *scoring;
  int top;                          /* ranking rows; 0: FS_REPORT_TOP_DEFAULT; < 0: all */
  /* visits: which visit methods are the contact of each grade, the
   * setting of fs__cadence_methods_parse (cadence.h); NULL: the default
   * (A: a visit or a call, not a letter or an e-mail). */
  const char *contact_methods;
  /* activity: a visit logged more than this many days after its date is
   * listed as back-dated; 0: FS_REPORT_BACKDATE_DAYS. */
  int backdate_days;
  /* showroom: a visitor converts with an order dated up to this many days
   * after the visit; 0: FS_REPORT_CONVERT_DAYS. */
  int convert_days;
  /* funnel: "YYYY-MM", a month that has ended: the snapshot is the state
   * at the end of its last day (month-end stock-take); NULL: now.  The
   * period defaults to that month. */
  const char *as_of;
  /* cards: a card whose data was last verified (else opened) more than
   * this many days before --to is stale; 0: FS_REPORT_STALE_DAYS. */
  int stale_days;
  /* ranking: if set, called for EVERY customer of the set (not only the
   * first `top`), before the sections are made. */
  fs_rank_each each;
  void *each_ctx;
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

/* What a sign-off of rep's day covers (report.h "signoff"): *visits the
 * visit records rep made dated day, *changes the cards rep opened that day
 * and the re-ratings rep dated that day.  0, FS_EINVAL (day not a date) or
 * a translated SQLite error. */
int fs__report_day_counts(sqlite3 *db, const char *rep, const char *day, int64_t *visits,
                          int64_t *changes);

void fs__report_weights_default(fs_report_weights *w);
/* The built-in setting: the default weights and cut-offs. */
void fs__report_scoring_default(fs_report_scoring *s);
/* Parses a setting "name=number,name=number,..." (',' or ';' between
 * pairs, blanks allowed) over what s holds: names revenue, margin, growth,
 * payment, credit, strategic (weights, >= 0) and diamond, gold, silver
 * (cut-offs, 0 < silver <= gold <= diamond <= 100); a name not given keeps
 * its value.  NULL or "": s unchanged.  0, or FS_EINVAL with a message
 * in err (errlen bytes) naming the bad pair; s is then unchanged. */
int fs__report_scoring_parse(const char *spec, fs_report_scoring *s, char *err,
                             size_t errlen);
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
 *   [--backdate-days N] [--scoring SETTING]
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
  FS_ROPT_BACKDATE_DAYS,
  FS_ROPT_CONVERT_DAYS,
  FS_ROPT_AS_OF,
  FS_ROPT_STALE_DAYS,
  FS_ROPT_SCORING
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
  "visits|funnel|lost|ranking|showroom|activity|signoff|cards|keyvisits "                \
  "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--rep CODE]... [--team MANAGER] [--csv] "      \
  "[--weights FILE] [--top N] [--contact-methods GRADE=METHOD,...;...] "                 \
  "[--backdate-days N] [--convert-days N] [--as-of YYYY-MM] [--stale-days N] "           \
  "[--scoring NAME=N,...]"
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
  int convert_days;  /* --convert-days, as fs_report_params */
  const char *as_of; /* --as-of, as fs_report_params */
  int stale_days;    /* --stale-days, as fs_report_params */
  const char *scoring; /* --scoring, as fs_report_params */
  fs_rank_each each;   /* not an option: a library caller's, as fs_report_params */
  void *each_ctx;
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
