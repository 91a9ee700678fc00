// SPDX-License-Identifier: BSL-1.0
#include "render.hpp"

#include <algorithm>
#include <ostream>

namespace k6::cli {

namespace k6s = k6::schedules;

namespace {

std::string unit(k6s::Frequency f) {
    switch (f) {
        case k6s::Frequency::hourly: return "hour";
        case k6s::Frequency::daily: return "day";
        case k6s::Frequency::weekly: return "week";
        case k6s::Frequency::monthly: return "month";
        case k6s::Frequency::yearly: return "year";
    }
    return "?";
}

// What next_run means for this schedule, in words where there is no time.
std::string next_run_summary(const k6s::Schedule& s, const Clock& clock) {
    if (s.next_run) {
        std::string text = clock.format(*s.next_run);
        if (s.deactivated) text += " (deactivated: it will not run unless activated)";
        return text;
    }
    return s.deactivated ? "none (deactivated)" : "none (expired: no run left)";
}

}  // namespace

std::string Clock::format(k6s::Timestamp t) const { return zone ? k6s::format_rfc3339(t, *zone) : k6s::format_rfc3339(t); }

std::string describe_rule(const k6s::Schedule& s, const Clock& clock, bool with_end) {
    if (s.cron) return "cron " + s.cron->schedule;
    if (!s.recurrence_rule) return "once";
    const auto& r = *s.recurrence_rule;
    const auto every = r.effective_interval();
    std::string text = std::string(k6s::to_string(r.frequency)) + " every " +
                       (every == 1 ? unit(r.frequency) : std::to_string(every) + " " + unit(r.frequency) + "s");
    if (r.byday && !r.byday->empty()) {
        text += " on ";
        // Appended piece by piece: the shorter `"," + std::string(...)` makes GCC 12 at -O3 report
        // a -Wrestrict overlap inside std::string's insert that cannot happen.
        for (std::size_t i = 0; i < r.byday->size(); ++i) {
            if (i) text += ',';
            text += k6s::to_string((*r.byday)[i]);
        }
    }
    if (with_end && r.count) text += ", " + std::to_string(*r.count) + " runs";
    if (with_end && r.until) text += ", until " + clock.format(*r.until);
    return text;
}

std::string describe_end(const k6s::Schedule& s, const Clock& clock) {
    if (!s.cron && !s.recurrence_rule) return "-";
    if (!s.recurrence_rule) return "never";
    const auto& r = *s.recurrence_rule;
    std::string text;
    if (r.count) text = "after " + std::to_string(*r.count) + " run" + (*r.count == 1 ? "" : "s");
    if (r.until) text += (text.empty() ? "until " : " or until ") + clock.format(*r.until);
    return text.empty() ? "never" : text;
}

std::string state_of(const k6s::Schedule& s) {
    if (s.deactivated) return "deactivated";
    // Expired schedules are still active (not deactivated): said both ways, so that one is never
    // taken for a deactivated one.
    return s.next_run ? "active" : "active, expired";
}

void print_schedule(std::ostream& out, const k6s::Schedule& s, bool json, const Clock& clock) {
    if (json) {
        out << k6s::to_json(s) << '\n';
        return;
    }
    out << "schedule    " << s.id.value << '\n'
        << "load test   " << s.load_test_id.value << '\n'
        << "rule        " << describe_rule(s, clock) << '\n';
    if (s.cron) out << "time zone   " << s.cron->time_zone << '\n';
    out << "starts      " << clock.format(s.starts) << '\n'
        << "next run    " << next_run_summary(s, clock) << '\n'
        << "state       " << (s.deactivated ? "deactivated" : s.next_run ? "active" : "active, but expired: no run left")
        << '\n';
    if (s.created_by) out << "created by  " << *s.created_by << '\n';
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)), widths_(headers_.size()) {
    for (std::size_t i = 0; i < headers_.size(); ++i) widths_[i] = headers_[i].size();
}

void Table::print_row(std::ostream& out, const std::vector<std::string>& cells) const {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        line += cells[i];
        if (i + 1 < cells.size()) line.append(widths_[i] - cells[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();  // an empty last cell leaves no padding
    out << line << '\n';
}

void Table::print(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size() && i < widths_.size(); ++i) widths_[i] = std::max(widths_[i], row[i].size());
    if (!started_ && !rows.empty()) {
        print_row(out, headers_);
        started_ = true;
    }
    for (const auto& row : rows) print_row(out, row);
}

Table schedule_table(bool wide) {
    if (wide) return Table({"ID", "LOAD TEST", "RULE", "TIME ZONE", "STARTS", "ENDS", "NEXT RUN", "STATE"});
    return Table({"ID", "LOAD TEST", "RULE", "TIME ZONE", "NEXT RUN", "STATE"});
}

std::vector<std::string> schedule_row(const k6s::Schedule& s, const Clock& clock, bool wide) {
    std::vector<std::string> row{std::to_string(s.id.value), std::to_string(s.load_test_id.value),
                                 describe_rule(s, clock, !wide), s.cron ? s.cron->time_zone : std::string("UTC")};
    if (wide) {
        row.push_back(clock.format(s.starts));
        row.push_back(describe_end(s, clock));
    }
    row.push_back(s.next_run ? clock.format(*s.next_run) : std::string("none"));
    row.push_back(state_of(s));
    return row;
}

}  // namespace k6::cli
