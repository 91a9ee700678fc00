// SPDX-License-Identifier: BSL-1.0
#include "render.hpp"

#include <iomanip>
#include <ostream>

namespace k6::cli {

namespace k6s = k6::schedules;

namespace {

std::string next_run(const k6s::Schedule& s) {
    return s.next_run ? k6s::format_rfc3339(*s.next_run) : std::string("none (expired)");
}

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

}  // namespace

std::string describe_rule(const k6s::Schedule& s) {
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
    if (r.count) text += ", " + std::to_string(*r.count) + " runs";
    if (r.until) text += ", until " + k6s::format_rfc3339(*r.until);
    return text;
}

void print_schedule(std::ostream& out, const k6s::Schedule& s, bool json) {
    if (json) {
        out << k6s::to_json(s) << '\n';
        return;
    }
    out << "schedule    " << s.id.value << '\n'
        << "load test   " << s.load_test_id.value << '\n'
        << "rule        " << describe_rule(s) << '\n';
    if (s.cron) out << "time zone   " << s.cron->time_zone << '\n';
    out << "starts      " << k6s::format_rfc3339(s.starts) << '\n'
        << "next run    " << next_run(s) << '\n'
        << "state       " << (s.deactivated ? "deactivated" : "active") << '\n';
    if (s.created_by) out << "created by  " << *s.created_by << '\n';
}

void print_table_header(std::ostream& out) {
    out << std::left << std::setw(10) << "ID" << std::setw(11) << "LOAD TEST" << std::setw(40) << "RULE"
        << std::setw(22) << "TIME ZONE" << std::setw(26) << "NEXT RUN"
        << "STATE" << '\n';
}

void print_table_row(std::ostream& out, const k6s::Schedule& s) {
    out << std::left << std::setw(10) << s.id.value << std::setw(11) << s.load_test_id.value << std::setw(40)
        << describe_rule(s) << std::setw(22) << (s.cron ? s.cron->time_zone : std::string("UTC")) << std::setw(26)
        << next_run(s) << (s.deactivated ? "deactivated" : "active") << '\n';
}

}  // namespace k6::cli
