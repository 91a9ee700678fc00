// SPDX-License-Identifier: BSL-1.0
// The POSIX TZ rule that ends every TZif file (RFC 8536 §3.3), e.g. "EST5EDT,M3.2.0,M11.1.0":
// how a zone's offset changes after the last transition the file lists. Debian's TZif files list
// transitions up to 2037 only, and date's reader of the OS database ignores this rule, so
// without it DST would stop in 2038. (date/ptz.h does the same job but does not compile as C++20.)
#ifndef K6_SCHEDULES_DETAIL_POSIX_TZ_HPP
#define K6_SCHEDULES_DETAIL_POSIX_TZ_HPP

#include <k6/schedules/detail/config.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// A day of the year on which DST starts or ends, and the local time of the change.
struct PosixDate {
    enum class Kind { julian_no_leap, zero_based, month_week_day } kind = Kind::month_week_day;
    unsigned day = 0;                 // Jn: 1-365 (Feb 29 never counted); n: 0-365
    unsigned month = 0, week = 0;     // Mm.w.d: w = 5 means the last such weekday
    unsigned weekday = 0;             // 0 = Sunday
    std::chrono::seconds time{7200};  // default 02:00, may be negative or beyond 24h (RFC 8536)

    std::chrono::sys_seconds local_moment(std::chrono::year y) const {
        using namespace std::chrono;
        sys_days date;
        switch (kind) {
            case Kind::julian_no_leap: {
                const bool after_feb = day > 59;
                date = sys_days{y / January / 1} + days{day - 1} + days{after_feb && y.is_leap() ? 1 : 0};
                break;
            }
            case Kind::zero_based: date = sys_days{y / January / 1} + days{day}; break;
            case Kind::month_week_day: {
                const auto m = std::chrono::month{month};
                if (week == 5) {
                    date = sys_days{y / m / weekday_last{std::chrono::weekday{weekday}}};
                } else {
                    date = sys_days{y / m / std::chrono::weekday{weekday}[week]};
                }
                break;
            }
        }
        return date + time;
    }
};

struct PosixRule {
    std::chrono::seconds standard_offset{0};  // east of UTC (POSIX writes it west, with the sign flipped)
    std::optional<std::chrono::seconds> dst_offset;
    PosixDate dst_start, dst_end;  // both in local time: start in standard time, end in DST

    struct Segment {
        std::chrono::sys_seconds begin, end;
        std::chrono::seconds offset;
    };

    // The constant-offset period containing t (only meaningful with DST; without it, one period).
    Segment segment_at(std::chrono::sys_seconds t) const {
        using namespace std::chrono;
        if (!dst_offset) return {sys_seconds::min(), sys_seconds::max(), standard_offset};
        const auto y = year_month_day{floor<days>(t)}.year();
        // Transitions of the years around t, in order: (instant, offset from then on).
        std::array<std::pair<sys_seconds, seconds>, 6> changes;
        std::size_t n = 0;
        for (auto year : {y - years{1}, y, y + years{1}}) {
            changes[n++] = {dst_start.local_moment(year) - standard_offset, *dst_offset};
            changes[n++] = {dst_end.local_moment(year) - *dst_offset, standard_offset};
        }
        std::sort(changes.begin(), changes.end());
        Segment s{sys_seconds::min(), sys_seconds::max(),
                  changes.front().second == *dst_offset ? standard_offset : *dst_offset};
        for (const auto& [at, offset] : changes) {
            if (at <= t) {
                s.begin = at;
                s.offset = offset;
            } else {
                s.end = at;
                break;
            }
        }
        return s;
    }
};

class PosixRuleParser {
public:
    explicit PosixRuleParser(std::string_view text) : text_(text) {}

    std::optional<PosixRule> parse() {
        PosixRule rule;
        if (!name()) return std::nullopt;
        auto standard = offset();
        if (!standard) return std::nullopt;
        rule.standard_offset = -*standard;
        if (done()) return rule;
        if (!name()) return std::nullopt;
        rule.dst_offset = rule.standard_offset + std::chrono::hours{1};
        if (!done() && peek() != ',') {
            auto dst = offset();
            if (!dst) return std::nullopt;
            rule.dst_offset = -*dst;
        }
        if (done()) return std::nullopt;  // DST without dates: the default US rules are not assumed
        if (!expect(',') || !date(rule.dst_start) || !expect(',') || !date(rule.dst_end) || !done())
            return std::nullopt;
        return rule;
    }

private:
    bool done() const { return pos_ == text_.size(); }
    char peek() const { return done() ? '\0' : text_[pos_]; }
    bool expect(char c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }

    bool name() {
        const std::size_t start = pos_;
        if (expect('<')) {
            while (!done() && peek() != '>') ++pos_;
            return expect('>') && pos_ - start >= 3;
        }
        while (!done() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z'))) ++pos_;
        return pos_ - start >= 3;
    }

    std::optional<unsigned> number(unsigned max) {
        const std::size_t start = pos_;
        unsigned value = 0;
        while (!done() && peek() >= '0' && peek() <= '9' && value <= max)
            value = value * 10 + unsigned(text_[pos_++] - '0');
        if (pos_ == start || value > max) return std::nullopt;
        return value;
    }

    // [+-]hh[:mm[:ss]]
    std::optional<std::chrono::seconds> offset(unsigned max_hours = 167) {
        int sign = 1;
        if (expect('-'))
            sign = -1;
        else
            expect('+');
        auto h = number(max_hours);
        if (!h) return std::nullopt;
        std::chrono::seconds total = std::chrono::hours{*h};
        if (expect(':')) {
            auto m = number(59);
            if (!m) return std::nullopt;
            total += std::chrono::minutes{*m};
            if (expect(':')) {
                auto s = number(59);
                if (!s) return std::nullopt;
                total += std::chrono::seconds{*s};
            }
        }
        return sign * total;
    }

    bool date(PosixDate& d) {
        if (expect('M')) {
            auto m = number(12);
            if (!m || *m < 1 || !expect('.')) return false;
            auto w = number(5);
            if (!w || *w < 1 || !expect('.')) return false;
            auto wd = number(6);
            if (!wd) return false;
            d = {PosixDate::Kind::month_week_day, 0, *m, *w, *wd};
        } else if (expect('J')) {
            auto n = number(365);
            if (!n || *n < 1) return false;
            d = {PosixDate::Kind::julian_no_leap, *n};
        } else {
            auto n = number(365);
            if (!n) return false;
            d = {PosixDate::Kind::zero_based, *n};
        }
        if (expect('/')) {
            auto t = offset();
            if (!t) return false;
            d.time = *t;
        }
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

// The footer rule of a TZif file (version 2 or later), or nullopt when there is none or the file
// cannot be read; callers then keep the database's own answer.
inline std::optional<PosixRule> read_tzif_footer_rule(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() < 46 || data.compare(0, 4, "TZif") != 0 || data[4] < '2' || data.back() != '\n')
        return std::nullopt;
    const auto start = data.rfind('\n', data.size() - 2);
    if (start == std::string::npos) return std::nullopt;
    return PosixRuleParser(std::string_view(data).substr(start + 1, data.size() - start - 2)).parse();
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_POSIX_TZ_HPP
