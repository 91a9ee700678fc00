// SPDX-License-Identifier: BSL-1.0
// What people type, read forgivingly where it is unambiguous: instants ("now", "+1h", a date alone,
// RFC 3339), frequencies and weekdays in any case, ids on stdin, a token in a file.
#pragma once

#include <k6/schedules.hpp>
#include <k6/schedules/time_zone.hpp>

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace k6::cli {

// An instant: RFC 3339 with an offset, seconds optional ("2027-01-01T09:00Z"); "now"; "+N" or "-N"
// with a unit s, m, h, d or w, from now ("+1h", "-30m"); a date alone ("2027-01-01"). With `zone`
// (--tz), a date alone and a time without an offset ("2027-01-01T09:00") are on its wall clock;
// without, a date alone is midnight UTC and a time without an offset is refused, saying to add one
// or give --tz. The error says which forms work.
std::optional<k6::schedules::Timestamp> parse_instant(const std::string& text, k6::schedules::Timestamp now,
                                                      std::string& why,
                                                      const std::optional<k6::schedules::TimeZone>& zone = std::nullopt);

// HOURLY, daily, Weekly...
std::optional<k6::schedules::Frequency> parse_frequency_forgiving(std::string text);

// "MO,TU", "mo, tu", "Mo,Fr"; nullopt for anything else.
std::optional<std::vector<k6::schedules::Weekday>> parse_weekdays(const std::string& text);

// Whitespace-separated ids, as `delete -` reads them from stdin; the error names the bad word.
std::vector<std::string> read_words(std::istream& in);

// The token in `path`: its first line, surrounding whitespace removed. nullopt with `why` (which
// never quotes the file's content) when it cannot be read or is empty.
std::optional<std::string> read_token_file(const std::string& path, std::string& why);

// The whole of `path` ("-" for stdin), for --from-file.
std::optional<std::string> read_text(const std::string& path, std::string& why);

// Writes `text` to `path` whole or not at all: beside it first, then renamed over it, so that an
// interrupted write leaves the old file as it was. False with `why` when it cannot.
bool write_whole_file(const std::string& path, const std::string& text, std::string& why);

}  // namespace k6::cli
