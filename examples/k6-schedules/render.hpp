// SPDX-License-Identifier: BSL-1.0
// What k6-schedules prints: a readable summary or table by default, one JSON object per line with
// the API's field names under --json.
#pragma once

#include <k6/schedules.hpp>

#include <iosfwd>
#include <string>

namespace k6::cli {

// "cron 0 7 * * 1", "HOURLY every 2 hours, 10 runs, until ...", "once"
std::string describe_rule(const k6::schedules::Schedule& s);

void print_schedule(std::ostream& out, const k6::schedules::Schedule& s, bool json);

// The table of `list`: a header, then rows as pages arrive.
void print_table_header(std::ostream& out);
void print_table_row(std::ostream& out, const k6::schedules::Schedule& s);

}  // namespace k6::cli
