// SPDX-License-Identifier: BSL-1.0
// A server answer that lists `total` generated schedules the way the API pages them: $top
// (default 1000), $skip, $count, and an absolute @nextLink to itself while pages remain.
#pragma once

#include <k6/schedules.hpp>

#include "support/test_server.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <string>

namespace k6::test {

// Schedule number i of a listing: alternately a cron and a recurrence rule, like real data.
inline k6::schedules::Schedule generated_schedule(std::int64_t i) {
    namespace k6s = k6::schedules;
    k6s::Schedule s;
    s.id = k6s::ScheduleId{i};
    s.load_test_id = k6s::LoadTestId{100000 + i};
    s.starts = k6s::parse_rfc3339("2024-07-16T08:46:04.021Z").value() + std::chrono::minutes(i);
    if (i % 2 == 0) {
        s.cron = k6s::ScheduleCron{"0 7 * * 1", "Europe/Berlin"};
    } else {
        s.recurrence_rule = k6s::RecurrenceRule{k6s::Frequency::hourly, 2, std::nullopt, 10, std::nullopt};
    }
    s.deactivated = i % 7 == 0;
    s.next_run = s.starts + std::chrono::hours(2);
    s.created_by = "user" + std::to_string(i) + "@example.com";
    return s;
}

struct PageRequest {
    std::int64_t top = 1000, skip = 0;
    bool count = false;
};

inline PageRequest page_request(const std::string& target) {
    PageRequest r;
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return r;
    for (auto param : url->params()) {
        std::int64_t value = 0;
        std::from_chars(param.value.data(), param.value.data() + param.value.size(), value);
        if (param.key == "$top") r.top = value;
        if (param.key == "$skip") r.skip = value;
        if (param.key == "$count") r.count = param.value == "true";
    }
    return r;
}

// The body of the page `request` asks for; `base` is the scheme and authority for @nextLink.
inline std::string listing_page(const std::string& base, std::int64_t total, const PageRequest& request) {
    k6::schedules::SchedulePage page;
    for (std::int64_t i = request.skip; i < std::min(total, request.skip + request.top); ++i)
        page.items.push_back(generated_schedule(i + 1));
    if (request.count) page.count = total;
    if (request.skip + request.top < total)
        page.next_link = base + "/cloud/v6/schedules?$skip=" + std::to_string(request.skip + request.top) +
                         "&$top=" + std::to_string(request.top) + (request.count ? "&$count=true" : "");
    return boost::json::serialize(boost::json::value_from(page));
}

inline k6::loopback::Response json_response(std::string body, unsigned status = 200) {
    k6::loopback::Response response;
    response.status = status;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = std::move(body);
    return response;
}

}  // namespace k6::test
