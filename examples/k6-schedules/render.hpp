// SPDX-License-Identifier: BSL-1.0
// What k6-schedules prints: a readable summary or table by default, one JSON value per line with
// the API's field names under --json. Instants are UTC unless --tz names a zone.
#pragma once

#include <k6/schedules.hpp>
#include <k6/schedules/time_zone.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace k6::cli {

// How instants are written: RFC 3339 in UTC, or on the wall clock of --tz with its offset.
struct Clock {
    std::optional<k6::schedules::TimeZone> zone;
    std::string format(k6::schedules::Timestamp t) const;
};

// "cron 0 7 * * 1", "HOURLY every 2 hours, 10 runs, until ...", "once"; without its end (count,
// until) when `with_end` is false, for the wide table's ENDS column.
std::string describe_rule(const k6::schedules::Schedule& s, const Clock& clock, bool with_end = true);

// When a schedule's runs end: "after 10 runs", "until TIME", "never", or "-" for a single run.
std::string describe_end(const k6::schedules::Schedule& s, const Clock& clock);

// "active", "deactivated", or "active, expired" (not deactivated, but with no run left).
std::string state_of(const k6::schedules::Schedule& s);

void print_schedule(std::ostream& out, const k6::schedules::Schedule& s, bool json, const Clock& clock);

// A table printed as its rows arrive: the header comes with the first rows, each column is as wide
// as the widest cell seen so far (it grows page by page, never shrinks), and two spaces always
// separate columns, so a long value never runs into the next one.
class Table {
public:
    explicit Table(std::vector<std::string> headers);
    void print(std::ostream& out, const std::vector<std::vector<std::string>>& rows);
    bool started() const { return started_; }

private:
    void print_row(std::ostream& out, const std::vector<std::string>& cells) const;
    std::vector<std::string> headers_;
    std::vector<std::size_t> widths_;
    bool started_ = false;
};

// The table of `list`; `wide` (-o wide) adds STARTS and ENDS.
Table schedule_table(bool wide = false);
std::vector<std::string> schedule_row(const k6::schedules::Schedule& s, const Clock& clock, bool wide = false);

}  // namespace k6::cli
