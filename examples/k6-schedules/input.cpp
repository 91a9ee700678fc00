// SPDX-License-Identifier: BSL-1.0
#include "input.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace k6::cli {

namespace k6s = k6::schedules;

namespace {

std::string upper(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

std::string trim(const std::string& text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    const auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

}  // namespace

std::optional<k6s::Timestamp> parse_instant(const std::string& text, k6s::Timestamp now, std::string& why,
                                            const std::optional<k6s::TimeZone>& zone) {
    using namespace std::chrono;
    if (text == "now") return now;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        std::int64_t amount = 0;
        const char* begin = text.data() + 1;
        const char* last = text.data() + text.size();
        const auto [end, ec] = std::from_chars(begin, last, amount);
        if (ec == std::errc{} && end != begin && end + 1 == last && amount <= 100 * 366 * 24 * 3600LL) {
            std::optional<seconds> unit;
            switch (*end) {
                case 's': unit = seconds{1}; break;
                case 'm': unit = minutes{1}; break;
                case 'h': unit = hours{1}; break;
                case 'd': unit = days{1}; break;
                case 'w': unit = weeks{1}; break;
                default: break;
            }
            if (unit && amount * unit->count() <= 100 * 366 * 24 * 3600LL) {
                const auto span = duration_cast<milliseconds>(*unit * amount);
                return text[0] == '+' ? now + span : now - span;
            }
        }
        why = "a relative time is a sign, a whole number and a unit (s, m, h, d, w), such as +1h or -30m";
        return std::nullopt;
    }
    // A date alone, or a date and time; seconds may be left out ("2027-01-01T09:00").
    std::string full = text.size() == 10 && text[4] == '-' && text[7] == '-' ? text + "T00:00:00" : text;
    if (full.size() >= 16 && (full[10] == 'T' || full[10] == 't') && full[13] == ':' &&
        (full.size() == 16 || full[16] != ':'))
        full.insert(16, ":00");
    const bool has_offset = full.size() > 19 && (full.back() == 'Z' || full.back() == 'z' ||
                                                 full.find_first_of("+-", 19) != std::string::npos);
    const bool date_alone = text.size() == 10;
    if (!has_offset && (zone || date_alone)) {
        auto wall = k6s::parse_rfc3339(full + "Z");  // the wall-clock reading, as if it were UTC
        if (wall && !zone) return *wall;              // a date alone without --tz: midnight UTC
        if (wall) {
            // The instant whose wall-clock time in the zone is `wall`: its offset is the zone's at
            // that instant, found by one refinement. (A time that a DST change skips or repeats
            // gets one of the offsets around the change.)
            const auto first = *wall - zone->utc_offset(*wall);
            return *wall - zone->utc_offset(first);
        }
    } else if (!has_offset && full.size() >= 19) {
        why = "the time has no offset: add an offset (Z or +01:00), or give --tz to read it on a zone's wall clock";
        return std::nullopt;
    }
    auto parsed = k6s::parse_rfc3339(full);
    if (parsed) return *parsed;
    why = std::string(parsed.error()) +
          "; use RFC 3339 with an offset (2027-01-01T09:00:00Z, 2027-01-01T10:00:00+01:00), a date (2027-01-01, "
          "midnight UTC, or on the clock of --tz), now, or a relative time such as +1h";
    return std::nullopt;
}

std::optional<k6s::Frequency> parse_frequency_forgiving(std::string text) {
    auto parsed = k6s::parse_frequency(upper(trim(text)));
    if (!parsed) return std::nullopt;
    return *parsed;
}

std::optional<std::vector<k6s::Weekday>> parse_weekdays(const std::string& text) {
    std::vector<k6s::Weekday> days;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        auto day = k6s::parse_weekday(upper(trim(text.substr(start, comma - start))));
        if (!day) return std::nullopt;
        days.push_back(*day);
        start = comma + 1;
    }
    return days;
}

std::vector<std::string> read_words(std::istream& in) {
    return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

std::optional<std::string> read_token_file(const std::string& path, std::string& why) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        why = "cannot read the token file \"" + path + "\": " + std::strerror(errno);
        return std::nullopt;
    }
    std::string line;
    std::getline(file, line);
    line = trim(line);
    if (line.empty()) {
        why = "the token file \"" + path + "\" is empty";
        return std::nullopt;
    }
    return line;
}

std::optional<std::string> read_text(const std::string& path, std::string& why) {
    std::ostringstream text;
    if (path == "-") {
        text << std::cin.rdbuf();
        return text.str();
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        why = "cannot read \"" + path + "\": " + std::strerror(errno);
        return std::nullopt;
    }
    text << file.rdbuf();
    return text.str();
}

bool write_whole_file(const std::string& path, const std::string& text, std::string& why) {
    const std::filesystem::path target(path);
    const std::filesystem::path partial = target.string() + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) {
            why = "cannot write " + path + ": " + std::strerror(errno);
            std::error_code ignored;
            std::filesystem::remove(partial, ignored);
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(partial, target, ec);
    if (ec) {
        why = "cannot write " + path + ": " + ec.message();
        std::filesystem::remove(partial, ec);
        return false;
    }
    return true;
}

}  // namespace k6::cli
