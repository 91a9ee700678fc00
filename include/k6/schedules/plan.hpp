// SPDX-License-Identifier: BSL-1.0
// Schedules as code: the document that says which schedule each load test should have
// ("k6-schedules/1"), and a pure planner that compares it with the API's listing and says what
// to change. No state file: the listing is the state. Nothing here sends a request; async_apply()
// in k6/schedules/apply.hpp carries a plan out.
#ifndef K6_SCHEDULES_PLAN_HPP
#define K6_SCHEDULES_PLAN_HPP

#include <k6/schedules/cron.hpp>
#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/json.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/recurrence.hpp>
#include <k6/schedules/time.hpp>

#include <boost/json/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// @file
/// Schedules as code: DesiredSchedule and the "k6-schedules/1" document (parse_schedule_document(),
/// write_schedule_document()), and plan_changes(), which compares a document with the API's listing
/// and returns the changes that make the listing say what the document says. See the page
/// docs/schedules-as-code.md.

K6_SCHEDULES_BEGIN_NAMESPACE

/// The `format` every schedule document names; a document of any other format is refused.
inline constexpr std::string_view schedule_document_format = "k6-schedules/1";

/// One entry of a schedule document: the schedule a load test should have (the API keeps one per
/// load test), and whether it should be deactivated.
struct DesiredSchedule {
    LoadTestId load_test_id{};        ///< The load test it runs.
    CreateScheduleRequest request{};  ///< What `POST /cloud/v6/load_tests/{id}/schedule` would send.
    bool deactivated = false;         ///< True: the schedule exists but does not run.

    /// Member-wise equality (see same_schedule() for the comparison the planner makes).
    friend bool operator==(const DesiredSchedule&, const DesiredSchedule&) = default;
};

/// What the document says of a schedule the API returned: its request fields and its state. The
/// server's read-only fields (id, next_run, created_by) are left behind.
inline DesiredSchedule desired_from(const Schedule& schedule) {
    return {schedule.load_test_id, CreateScheduleRequest{schedule.starts, schedule.recurrence_rule, schedule.cron},
            schedule.deactivated};
}

/// A field that differs between two schedules: its dotted name ("cron.schedule") and both values
/// as JSON text ("\"0 7 * * 1\"", "null", "[\"MO\",\"TH\"]").
struct FieldChange {
    std::string field;   ///< "starts", "cron", "cron.schedule", "recurrence_rule.byday", ...
    std::string before;  ///< The current value, as JSON.
    std::string after;   ///< The value the document asks for, as JSON.

    /// Member-wise equality.
    friend bool operator==(const FieldChange&, const FieldChange&) = default;
};

namespace detail {

inline std::string plan_json_text(const boost::json::value& value) { return boost::json::serialize(value); }

inline std::string cron_json_text(const std::optional<ScheduleCron>& cron) {
    return cron ? plan_json_text(boost::json::value_from(*cron)) : "null";
}
inline std::string rule_json_text(const std::optional<RecurrenceRule>& rule) {
    return rule ? plan_json_text(boost::json::value_from(*rule)) : "null";
}

// Two cron expressions mean the same runs when their fields allow the same values: "@daily" and
// "0 0 * * *", "MON-FRI" and "1-5", "*/1" and "*". Text that does not parse only equals itself.
inline bool same_cron_expression(std::string_view a, std::string_view b) {
    if (a == b) return true;
    const auto x = parse_cron(a);
    const auto y = parse_cron(b);
    if (!x || !y) return false;
    return x->minutes == y->minutes && x->hours == y->hours && x->days_of_month == y->days_of_month &&
           x->months == y->months && x->days_of_week == y->days_of_week &&
           x->day_of_month_restricted == y->day_of_month_restricted &&
           x->day_of_week_restricted == y->day_of_week_restricted && x->every_hour == y->every_hour;
}

// byday as the set of days it names; an empty list sets no day, as an absent one.
inline std::vector<Weekday> weekday_set(const std::optional<std::vector<Weekday>>& days) {
    std::vector<Weekday> set = days.value_or(std::vector<Weekday>{});
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    return set;
}

inline std::string weekdays_json_text(const std::optional<std::vector<Weekday>>& days) {
    if (!days || days->empty()) return "null";
    boost::json::array array;
    for (Weekday d : *days) array.emplace_back(to_string(d));
    return plan_json_text(array);
}

template <class T>
std::string optional_json_text(const std::optional<T>& value) {
    if (!value) return "null";
    if constexpr (std::is_same_v<T, Timestamp>)
        return plan_json_text(json_string(*value));
    else
        return plan_json_text(boost::json::value(*value));
}

}  // namespace detail

/// How @p after differs from @p before, field by field, after normalisation: instants compare as
/// instants (`+01:00` equals the same instant written in `Z`); an absent `interval` equals 1;
/// `byday` compares as a set, an empty list as an absent one; cron expressions compare by meaning,
/// so an alias equals what it stands for ("\@daily" and "0 0 * * *") and so do names and numbers
/// ("MON-FRI" and "1-5"); `time_zone` compares as written (the document reader fills in "UTC"
/// where it is left out). A change of kind (cron, recurrence rule, single run) is reported as the
/// whole `cron` and `recurrence_rule`.
/// @return Empty when the two schedules run the same way.
inline std::vector<FieldChange> schedule_differences(const CreateScheduleRequest& before,
                                                     const CreateScheduleRequest& after) {
    using namespace detail;
    std::vector<FieldChange> changes;
    if (before.starts != after.starts)
        changes.push_back({"starts", plan_json_text(json_string(before.starts)), plan_json_text(json_string(after.starts))});
    if (before.cron.has_value() != after.cron.has_value() ||
        before.recurrence_rule.has_value() != after.recurrence_rule.has_value()) {
        if (before.cron != after.cron)
            changes.push_back({"cron", cron_json_text(before.cron), cron_json_text(after.cron)});
        if (before.recurrence_rule != after.recurrence_rule)
            changes.push_back({"recurrence_rule", rule_json_text(before.recurrence_rule),
                               rule_json_text(after.recurrence_rule)});
        return changes;
    }
    if (before.cron) {
        const ScheduleCron& b = *before.cron;
        const ScheduleCron& a = *after.cron;
        if (!same_cron_expression(b.schedule, a.schedule))
            changes.push_back({"cron.schedule", plan_json_text(boost::json::string(b.schedule)),
                               plan_json_text(boost::json::string(a.schedule))});
        if (b.time_zone != a.time_zone)
            changes.push_back({"cron.time_zone", plan_json_text(boost::json::string(b.time_zone)),
                               plan_json_text(boost::json::string(a.time_zone))});
    }
    if (before.recurrence_rule) {
        const RecurrenceRule& b = *before.recurrence_rule;
        const RecurrenceRule& a = *after.recurrence_rule;
        if (b.frequency != a.frequency)
            changes.push_back({"recurrence_rule.frequency", plan_json_text(boost::json::string(to_string(b.frequency))),
                               plan_json_text(boost::json::string(to_string(a.frequency)))});
        if (b.effective_interval() != a.effective_interval())
            changes.push_back({"recurrence_rule.interval", std::to_string(b.effective_interval()),
                               std::to_string(a.effective_interval())});
        if (weekday_set(b.byday) != weekday_set(a.byday))
            changes.push_back({"recurrence_rule.byday", weekdays_json_text(b.byday), weekdays_json_text(a.byday)});
        if (b.count != a.count)
            changes.push_back({"recurrence_rule.count", optional_json_text(b.count), optional_json_text(a.count)});
        if (b.until != a.until)
            changes.push_back({"recurrence_rule.until", optional_json_text(b.until), optional_json_text(a.until)});
    }
    return changes;
}

/// Whether two requests run the same way (schedule_differences() finds nothing).
inline bool same_schedule(const CreateScheduleRequest& a, const CreateScheduleRequest& b) {
    return schedule_differences(a, b).empty();
}

/// What a Change does.
enum class ChangeAction {
    create,      ///< The load test has no schedule: set one (then deactivate it, if the document says so).
    update,      ///< Its schedule runs differently: set it anew (the API replaces it), then deactivate it if asked.
    activate,    ///< Same schedule, deactivated, and the document wants it to run.
    deactivate,  ///< Same schedule, active, and the document wants it deactivated.
    remove,      ///< Not in the document, and PlanOptions::prune: delete it. Written "delete".
};

/// The action as plan output writes it: "create", "update", "activate", "deactivate", "delete".
constexpr std::string_view to_string(ChangeAction action) noexcept {
    switch (action) {
        case ChangeAction::create: return "create";
        case ChangeAction::update: return "update";
        case ChangeAction::activate: return "activate";
        case ChangeAction::deactivate: return "deactivate";
        case ChangeAction::remove: return "delete";
    }
    return "unknown";
}

/// One step of a plan.
struct Change {
    ChangeAction action = ChangeAction::create;  ///< What to do.
    LoadTestId load_test_id{};                   ///< The load test whose schedule changes.
    std::optional<ScheduleId> schedule_id{};     ///< The current schedule; none for create.
    std::optional<DesiredSchedule> before{};     ///< The current state; none for create.
    std::optional<DesiredSchedule> after{};      ///< The state the document asks for; none for delete.
    std::vector<FieldChange> fields{};           ///< update: the fields that differ (old -> new).
    std::string note{};                          ///< What else to know ("then deactivated", ...), or empty.

    /// Member-wise equality.
    friend bool operator==(const Change&, const Change&) = default;
};

/// Something the plan has to say about a load test that needs no change.
struct PlanNote {
    LoadTestId load_test_id{};                ///< The load test.
    std::optional<ScheduleId> schedule_id{};  ///< Its current schedule.
    std::string text;                         ///< "expired: it will not run again", ...

    /// Member-wise equality.
    friend bool operator==(const PlanNote&, const PlanNote&) = default;
};

/// What plan_changes() returns.
struct Plan {
    /// The changes, by load test id; applying them all (async_apply()) makes the next plan empty.
    std::vector<Change> changes{};
    /// Load tests that need no change but deserve a word: expired schedules.
    std::vector<PlanNote> notes{};
    /// Schedules of load tests the document leaves out, kept because PlanOptions::prune is off.
    std::size_t unmanaged = 0;

    /// Nothing to do.
    bool empty() const noexcept { return changes.empty(); }
};

/// How plan_changes() treats what the document leaves out.
struct PlanOptions {
    /// Delete the schedules of load tests the document does not list. Off: they are kept and
    /// counted in Plan::unmanaged.
    bool prune = false;
};

/// The note on a schedule that has expired (active, yet no next run) and that the document keeps.
inline constexpr std::string_view expired_note = "expired: it will not run again";

/// Compares what the document asks for with what the API has, and returns the changes that make
/// the API say the same. Pure: no request, no clock (the API's next_run says which schedules have
/// expired). Schedules are matched by load test. For each load test of @p desired:
/// - no schedule: create (the note says when it is then deactivated);
/// - a schedule that runs differently (schedule_differences()): update, with the fields;
/// - the same schedule in the other state: activate or deactivate, except for an expired one
///   (next_run null), which the service will not run again: a note, and no change. (The service
///   refuses to activate an expired schedule (409) unless its rule changes, and leaves it as it is
///   when asked to deactivate it.)
/// Schedules of other load tests are deleted with PlanOptions::prune, and only counted without.
/// A load test with more than one schedule (the API keeps one) keeps its newest; the others are
/// deleted. The changes come in the order of their load test ids.
/// @param desired The document's entries; one per load test (parse_schedule_document() checks it).
/// @param current The API's schedules (a whole listing).
/// @param options Whether schedules of load tests the document leaves out are deleted (prune).
/// @return The changes, the notes, and how many schedules the document does not manage.
inline Plan plan_changes(std::span<const DesiredSchedule> desired, std::span<const Schedule> current,
                         PlanOptions options = {}) {
    Plan plan;
    // Current schedules by load test, newest (highest id) last.
    std::map<std::int64_t, std::vector<const Schedule*>> by_load_test;
    for (const Schedule& schedule : current) by_load_test[schedule.load_test_id.value].push_back(&schedule);
    for (auto& [load_test, schedules] : by_load_test)
        std::sort(schedules.begin(), schedules.end(), [](const Schedule* a, const Schedule* b) { return a->id < b->id; });

    std::map<std::int64_t, const DesiredSchedule*> wanted;
    for (const DesiredSchedule& entry : desired) wanted.emplace(entry.load_test_id.value, &entry);

    auto remove = [&](const Schedule& schedule, std::string note) {
        plan.changes.push_back({ChangeAction::remove, schedule.load_test_id, schedule.id, desired_from(schedule),
                                std::nullopt, {}, std::move(note)});
    };

    // One pass over the union of load tests, in id order.
    auto w = wanted.begin();
    auto c = by_load_test.begin();
    while (w != wanted.end() || c != by_load_test.end()) {
        const bool has_wanted = w != wanted.end() && (c == by_load_test.end() || w->first <= c->first);
        const bool has_current = c != by_load_test.end() && (w == wanted.end() || c->first <= w->first);
        if (!has_wanted) {
            for (const Schedule* schedule : c->second) {
                if (options.prune)
                    remove(*schedule, "not in the document");
                else
                    ++plan.unmanaged;
            }
            ++c;
            continue;
        }
        const DesiredSchedule& want = *w->second;
        if (!has_current) {
            plan.changes.push_back({ChangeAction::create, want.load_test_id, std::nullopt, std::nullopt, want, {},
                                    want.deactivated ? "created, then deactivated" : ""});
            ++w;
            continue;
        }
        const std::vector<const Schedule*>& schedules = c->second;
        for (std::size_t i = 0; i + 1 < schedules.size(); ++i)
            remove(*schedules[i], "another schedule of the same load test (the API keeps one per load test)");
        const Schedule& have = *schedules.back();
        DesiredSchedule before = desired_from(have);
        auto fields = schedule_differences(before.request, want.request);
        const bool expired = !have.next_run.has_value();
        if (!fields.empty()) {
            std::string note = "set replaces schedule " + to_string(have.id);
            if (want.deactivated) note += ", then deactivated";
            plan.changes.push_back({ChangeAction::update, want.load_test_id, have.id, std::move(before), want,
                                    std::move(fields), std::move(note)});
        } else if (have.deactivated != want.deactivated) {
            if (expired && !want.deactivated) {
                plan.notes.push_back({want.load_test_id, have.id,
                                      "expired: the service refuses to activate it (409) unless its rule changes"});
            } else if (expired) {
                plan.notes.push_back({want.load_test_id, have.id,
                                      std::string(expired_note) + " (the service does not deactivate an expired schedule)"});
            } else {
                const auto action = want.deactivated ? ChangeAction::deactivate : ChangeAction::activate;
                plan.changes.push_back({action, want.load_test_id, have.id, std::move(before), want, {}, ""});
            }
        } else if (expired && !have.deactivated) {
            plan.notes.push_back({want.load_test_id, have.id, std::string(expired_note)});
        }
        ++w;
        ++c;
    }
    return plan;
}

namespace detail {

// 1-based line and column of `offset` in `text`, counting bytes.
inline std::string line_and_column(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

inline ApiError document_error(std::string message, std::string target = {}) {
    return fail(ErrorKind::invalid_argument, errc::invalid_argument, "schedule document: " + std::move(message),
                std::move(target))
        .error();
}

// A key the document does not define is an error: a typo ("cronn") must not be silently ignored.
inline Decoded only_known_keys(const boost::json::object& object, std::initializer_list<std::string_view> known,
                               const JsonPath& at) {
    for (const auto& member : object) {
        const std::string_view key(member.key().data(), member.key().size());
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        std::string expected;
        for (std::string_view k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
        return bad_value(at, "unknown key " + quote_for_message(key, 80) + " (expected one of: " + expected + ")");
    }
    return {};
}

inline Decoded read_document_cron(const boost::json::value& v, ScheduleCron& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    if (auto known = only_known_keys(*o, {"schedule", "time_zone"}, at); !known) return known;
    if (auto r = required_member(*o, "schedule", out.schedule, at); !r) return r;
    std::optional<std::string> zone;
    if (auto r = optional_member(*o, "time_zone", zone, at); !r) return r;
    out.time_zone = zone ? std::move(*zone) : "UTC";  // the service's default
    return {};
}

inline Decoded read_document_rule(const boost::json::value& v, RecurrenceRule& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    if (auto known = only_known_keys(*o, {"frequency", "interval", "byday", "count", "until"}, at); !known)
        return known;
    if (auto r = required_member(*o, "frequency", out.frequency, at); !r) return r;
    if (auto r = optional_member(*o, "interval", out.interval, at); !r) return r;
    if (auto r = optional_member(*o, "byday", out.byday, at); !r) return r;
    if (auto r = optional_member(*o, "count", out.count, at); !r) return r;
    return optional_member(*o, "until", out.until, at);
}

inline Decoded read_document_entry(const boost::json::value& v, DesiredSchedule& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    if (auto known =
            only_known_keys(*o, {"load_test_id", "starts", "cron", "recurrence_rule", "deactivated"}, at);
        !known)
        return known;
    if (auto r = required_member(*o, "load_test_id", out.load_test_id, at); !r) return r;
    if (out.load_test_id.value < 1)
        return bad_value(at.member("load_test_id"),
                         "expected a positive load test id, got " + std::to_string(out.load_test_id.value));
    if (auto r = required_member(*o, "starts", out.request.starts, at); !r) return r;
    if (const auto* cron = o->if_contains("cron"); cron && !cron->is_null()) {
        if (auto r = read_document_cron(*cron, out.request.cron.emplace(), at.member("cron")); !r) return r;
    }
    if (const auto* rule = o->if_contains("recurrence_rule"); rule && !rule->is_null()) {
        if (auto r = read_document_rule(*rule, out.request.recurrence_rule.emplace(), at.member("recurrence_rule"));
            !r)
            return r;
    }
    std::optional<bool> deactivated;
    if (auto r = optional_member(*o, "deactivated", deactivated, at); !r) return r;
    out.deactivated = deactivated.value_or(false);
    return {};
}

// "schedules[1] (load test 13)": where an entry's error is.
inline std::string entry_name(std::size_t index, const boost::json::value& entry) {
    std::string name = "schedules[" + std::to_string(index) + "]";
    if (const auto* o = entry.if_object())
        if (const auto* id = o->if_contains("load_test_id"); id && id->is_int64())
            name += " (load test " + std::to_string(id->get_int64()) + ")";
    return name;
}

}  // namespace detail

/// Reads a schedule document and checks all of it, so that nothing is sent for a document with
/// any error:
/// @code
/// {"format": "k6-schedules/1",
///  "schedules": [{"load_test_id": 12, "starts": "2027-01-04T07:00:00+01:00",
///                 "cron": {"schedule": "0 7 * * MON-FRI", "time_zone": "Europe/Berlin"}},
///                {"load_test_id": 13, "starts": "2027-01-01T00:00:00Z",
///                 "recurrence_rule": {"frequency": "WEEKLY", "byday": ["MO", "TH"]}, "deactivated": true}]}
/// @endcode
/// Each entry is a CreateScheduleRequest plus `load_test_id`, and `deactivated` (default false);
/// `cron.time_zone` defaults to "UTC"; `null` stands for an absent member. Checked: the JSON (an
/// error gives its line and column), the format, every key (an unknown one is an error naming the
/// entry and the key), every type, every schedule by validate() (the service's rules, time zones
/// included), and that no load test appears twice.
/// @return The entries in document order, or an ErrorKind::invalid_argument error whose message
/// starts "schedule document: " and whose `target` is the path of the value in error
/// ("schedules[1].cron.time_zone").
inline expected<std::vector<DesiredSchedule>> parse_schedule_document(std::string_view text) {
    using namespace detail;
    boost::json::parser parser;
    boost::system::error_code ec;
    // On an error, `consumed` is where the parser stopped: the offset of the error.
    const std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (ec)
        return std::unexpected(document_error(line_and_column(text, consumed) + ": invalid JSON: " + ec.message()));
    const boost::json::value document = parser.release();

    const JsonPath root;
    const auto* top = document.if_object();
    if (!top) return std::unexpected(document_error("expected an object {\"format\": ..., \"schedules\": [...]}"));
    auto failed = [](const DecodeFailure& f) {
        return std::unexpected(document_error(f.path + ": " + f.reason, f.path));
    };
    if (auto known = only_known_keys(*top, {"format", "schedules"}, root); !known) return failed(known.error());
    std::string format;
    if (auto r = required_member(*top, "format", format, root); !r) return failed(r.error());
    if (format != schedule_document_format)
        return std::unexpected(document_error("format " + quote_for_message(format, 80) + " is not supported (expected \"" +
                                              std::string(schedule_document_format) + "\")",
                                              "format"));
    const auto* schedules = top->if_contains("schedules");
    if (!schedules) return failed({"schedules", "required field is missing"});
    const auto* entries = schedules->if_array();
    if (!entries) return failed(wrong_type(*schedules, root.member("schedules"), "an array").error());

    std::vector<DesiredSchedule> out;
    out.reserve(entries->size());
    std::map<std::int64_t, std::size_t> seen;  // load test -> entry index
    const JsonPath list = root.member("schedules");
    for (std::size_t i = 0; i < entries->size(); ++i) {
        const JsonPath at = list.element(i);
        DesiredSchedule& entry = out.emplace_back();
        if (auto r = read_document_entry((*entries)[i], entry, at); !r) {
            // Name the entry by its load test as well as by its index.
            DecodeFailure f = r.error();
            const std::string name = entry_name(i, (*entries)[i]);
            const std::string entry_path = at.str();
            const std::string where =
                f.path.size() > entry_path.size() + 1 ? f.path.substr(entry_path.size() + 1) : "";  // "cron.schedule"
            return std::unexpected(
                document_error(name + (where.empty() ? "" : ", " + where) + ": " + f.reason, f.path));
        }
        if (auto [it, added] = seen.emplace(entry.load_test_id.value, i); !added)
            return std::unexpected(document_error(
                entry_name(i, (*entries)[i]) + ": load test " + to_string(entry.load_test_id) +
                    " already has a schedule in schedules[" + std::to_string(it->second) +
                    "] (the API keeps one schedule per load test)",
                at.str() + ".load_test_id"));
        if (auto valid = validate(entry.request); !valid) {
            ApiError e = std::move(valid.error());
            const std::string target = e.target && !e.target->empty() ? at.str() + "." + *e.target : at.str();
            return std::unexpected(document_error(entry_name(i, (*entries)[i]) + ": " + e.message, target));
        }
    }
    return out;
}

namespace detail {

// RFC 3339 in UTC, without a fraction of a second when it is zero: what people write.
inline boost::json::string document_time(Timestamp t) {
    std::string text = format_rfc3339(t);
    if (text.ends_with(".000Z")) text.replace(text.size() - 5, 5, "Z");
    return boost::json::string(text);
}

}  // namespace detail

/// An entry of a schedule document as JSON, every member explicit and in a fixed order (load_test_id,
/// starts, cron, recurrence_rule, deactivated; null where absent, `interval` as a number), so that
/// exports diff line by line: what write_schedule_document() writes for each schedule.
inline boost::json::object to_document_json(const DesiredSchedule& entry) {
    using detail::document_time;
    boost::json::object o;
    o["load_test_id"] = entry.load_test_id.value;
    o["starts"] = document_time(entry.request.starts);
    if (const auto& cron = entry.request.cron) {
        o["cron"] = {{"schedule", cron->schedule}, {"time_zone", cron->time_zone}};
    } else {
        o["cron"] = nullptr;
    }
    if (const auto& rule = entry.request.recurrence_rule) {
        boost::json::object r;
        r["frequency"] = to_string(rule->frequency);
        r["interval"] = rule->effective_interval();
        if (rule->byday && !rule->byday->empty()) {
            boost::json::array days;
            for (Weekday d : *rule->byday) days.emplace_back(to_string(d));
            r["byday"] = std::move(days);
        } else {
            r["byday"] = nullptr;
        }
        r["count"] = rule->count ? boost::json::value(*rule->count) : boost::json::value(nullptr);
        r["until"] = rule->until ? boost::json::value(document_time(*rule->until)) : boost::json::value(nullptr);
        o["recurrence_rule"] = std::move(r);
    } else {
        o["recurrence_rule"] = nullptr;
    }
    o["deactivated"] = entry.deactivated;
    return o;
}

/// Writes a schedule document: sorted by load test id, every member explicit (null where absent,
/// `interval` as a number), one schedule per line so that changes diff line by line. Reading it
/// back with parse_schedule_document() gives the same entries, and planning it against the state
/// it was written from gives no change.
inline std::string write_schedule_document(std::vector<DesiredSchedule> entries) {
    // By load test, entries of the same load test in their given order. (Not std::stable_sort: with
    // libstdc++ 12 in C++23 it uses the deprecated std::get_temporary_buffer, a warning for Clang.)
    std::vector<std::size_t> order(entries.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return entries[a].load_test_id != entries[b].load_test_id ? entries[a].load_test_id < entries[b].load_test_id
                                                                  : a < b;
    });
    std::string out = "{\n  \"format\": \"" + std::string(schedule_document_format) + "\",\n  \"schedules\": [";
    for (std::size_t i = 0; i < order.size(); ++i) {
        out += i == 0 ? "\n    " : ",\n    ";
        out += boost::json::serialize(to_document_json(entries[order[i]]));
    }
    out += entries.empty() ? "]\n}\n" : "\n  ]\n}\n";
    return out;
}

/// The document for what the API has now: one entry per schedule (desired_from()).
inline std::string write_schedule_document(std::span<const Schedule> schedules) {
    std::vector<DesiredSchedule> entries;
    entries.reserve(schedules.size());
    for (const Schedule& s : schedules) entries.push_back(desired_from(s));
    return write_schedule_document(std::move(entries));
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_PLAN_HPP
