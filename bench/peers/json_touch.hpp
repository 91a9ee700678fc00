// SPDX-License-Identifier: BSL-1.0
// What both peers read of a schedule in a boost::json::value: id, load_test_id, starts, and cron
// (schedule, time_zone) or recurrence_rule (frequency): the least all three programs do.
#ifndef K6_BENCH_PEERS_JSON_TOUCH_HPP
#define K6_BENCH_PEERS_JSON_TOUCH_HPP

#include "../harness.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace k6_bench {

inline void touch(Tally& tally, const boost::json::value& item) {
    const boost::json::object& s = item.as_object();
    const std::int64_t id = s.at("id").as_int64();
    const std::int64_t load_test = s.at("load_test_id").as_int64();
    const std::string_view starts = s.at("starts").as_string();
    std::size_t recurrence = 0;
    if (const boost::json::value& cron = s.at("cron"); cron.is_object())
        recurrence = cron.at("schedule").as_string().size() + cron.at("time_zone").as_string().size();
    else if (const boost::json::value& rule = s.at("recurrence_rule"); rule.is_object())
        recurrence = rule.at("frequency").as_string().size();
    if (id <= 0 || load_test <= 0 || starts.size() < 20 || recurrence == 0)
        throw std::runtime_error("schedule " + std::to_string(id) + " lacks id, load test, starts or recurrence");
    tally.schedule(id, load_test + static_cast<std::int64_t>(recurrence));
}

}  // namespace k6_bench

#endif  // K6_BENCH_PEERS_JSON_TOUCH_HPP
