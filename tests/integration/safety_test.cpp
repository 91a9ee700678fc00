// SPDX-License-Identifier: BSL-1.0
// The client's safety promises, each proved on every operation (support/every_operation.hpp):
// the token never shows up in what the client hands out, whatever the server reflects and
// wherever; error answers cost bounded memory; a deadline bounds the whole call.
#include <k6/schedules.hpp>
#include "support/internals.hpp"

#include "support/every_operation.hpp"
#include "support/scripted_server.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using k6::test::Answers;
using k6::test::every_operation;
using k6::test::http_response_bytes;
using k6::test::RecordedRequest;
using k6::test::Script;
using k6::test::ScriptedServer;

namespace {

constexpr std::string_view token = k6::test::test_token;

// Every 8 bytes in a row of the token that `text` shows; empty when it shows none.
std::vector<std::string> token_windows_in(std::string_view text) {
    std::vector<std::string> shown;
    for (std::size_t i = 0; i + 8 <= token.size(); ++i)
        if (text.find(token.substr(i, 8)) != std::string_view::npos) shown.emplace_back(token.substr(i, 8));
    return shown;
}

#define CHECK_NO_TOKEN(text, where)                                                      \
    do {                                                                                 \
        const std::string checked_text_(text);                                           \
        const auto windows_ = token_windows_in(checked_text_);                           \
        CHECK_MESSAGE(windows_.empty(), (where) << " shows the token: " << checked_text_); \
    } while (false)

void check_error(const ApiError& e, const std::string& where) {
    CHECK_NO_TOKEN(e.to_string(), where + ": to_string()");
    CHECK_NO_TOKEN(e.message, where + ": message");
    CHECK_NO_TOKEN(e.code, where + ": code");
    CHECK_NO_TOKEN(e.target.value_or(""), where + ": target");
    CHECK_NO_TOKEN(e.retry_stopped, where + ": retry_stopped");
    for (const ErrorDetails& d : e.details) {
        CHECK_NO_TOKEN(d.code, where + ": details.code");
        CHECK_NO_TOKEN(d.message, where + ": details.message");
        CHECK_NO_TOKEN(d.target.value_or(""), where + ": details.target");
    }
}

// What an observer was shown, as text: every target of every attempt, every to_string(AttemptEnd),
// and every error an attempt ended with.
struct SeenByObserver {
    std::mutex mutex;
    std::vector<std::string> texts;
    std::vector<ApiError> errors;

    AttemptObserver observer() {
        return {[this](AttemptStart& start) {
                    const std::lock_guard lock(mutex);
                    texts.emplace_back(start.target);
                },
                [this](const AttemptEnd& end) {
                    const std::lock_guard lock(mutex);
                    texts.push_back(to_string(end));
                    texts.emplace_back(end.target);
                    texts.emplace_back(end.retry_stopped);
                    if (end.error) errors.push_back(*end.error);
                }};
    }
};

std::string json_string(std::string_view text) { return boost::json::serialize(boost::json::value(text)); }

const std::string schedule_fields[] = {"id",          "load_test_id", "starts",     "recurrence_rule",
                                       "cron",        "deactivated",  "next_run",   "created_by",
                                       "recurrence_rule.frequency", "recurrence_rule.interval",
                                       "recurrence_rule.byday",     "recurrence_rule.until",
                                       "cron.schedule",             "cron.time_zone"};

// A schedule (JSON) with `field` holding `reflected`, a string, wherever the schema wants.
std::string schedule_with(const std::string& field, const std::string& reflected) {
    boost::json::object rule{{"frequency", "WEEKLY"}, {"interval", 1}, {"byday", boost::json::array{"MO"}},
                             {"until", "2031-01-01T00:00:00Z"}};
    boost::json::object cron{{"schedule", "0 7 * * *"}, {"time_zone", "UTC"}};
    boost::json::object s{{"id", 1},          {"load_test_id", 1}, {"starts", "2030-01-01T00:00:00Z"},
                          {"recurrence_rule", nullptr},             {"cron", cron},
                          {"deactivated", false},                   {"next_run", nullptr},
                          {"created_by", nullptr}};
    if (field.starts_with("recurrence_rule.")) {
        s["cron"] = nullptr;
        const auto member = field.substr(16);
        rule[member] = member == "byday" ? boost::json::value(boost::json::array{boost::json::value(reflected)})
                                         : boost::json::value(reflected);
        s["recurrence_rule"] = rule;
    } else if (field.starts_with("cron.")) {
        cron[field.substr(5)] = reflected;
        s["cron"] = cron;
    } else {
        s[field] = reflected;
    }
    return boost::json::serialize(s);
}

// One place a server can put what it was sent: the answer to a request, given the Authorization
// header the request carried ("Bearer <token>") and the bare token.
struct Place {
    std::string name;
    std::function<Script(const RecordedRequest&, const std::string& bearer, const std::string& bare)> answer;
};

Script json_answer(unsigned status, const std::string& body, std::string_view reason = "Whatever") {
    return Script{http_response_bytes(status, reason, body, {{"Content-Type", "application/json"}})};
}

std::string error_body(const std::string& code, const std::string& message, const std::string& target,
                       const std::string& detail_code, const std::string& detail_message,
                       const std::string& detail_target) {
    return boost::json::serialize(boost::json::object{
        {"error", {{"code", code},
                   {"message", message},
                   {"target", target},
                   {"details", boost::json::array{boost::json::object{
                                   {"code", detail_code}, {"message", detail_message}, {"target", detail_target}}}}}}});
}

// The places of an error answer: every field of ErrorApiModel, the reason phrase, a body that is
// not an error model, and the token cut off by the client's own bounds.
std::vector<Place> error_places() {
    std::vector<Place> places;
    const char* fields[] = {"code", "message", "target", "details.code", "details.message", "details.target"};
    for (int f = 0; f < 6; ++f) {
        places.push_back({std::string("error ") + fields[f], [f](const RecordedRequest&, const std::string& bearer,
                                                                 const std::string&) {
                              auto at = [&](int i) { return f == i ? bearer : std::string("x"); };
                              return json_answer(400, error_body(at(0), at(1), at(2), at(3), at(4), at(5)));
                          }});
    }
    places.push_back({"error message cut at the client's bound", [](const RecordedRequest&, const std::string& bearer,
                                                                    const std::string&) {
                          return json_answer(400, error_body("c", std::string(1017, 'm') + bearer, "t", "c", "m", "t"));
                      }});
    places.push_back({"reason phrase", [](const RecordedRequest&, const std::string& bearer, const std::string&) {
                          return json_answer(403, "", bearer);
                      }});
    places.push_back({"reason phrase cut at the client's bound",
                      [](const RecordedRequest&, const std::string& bearer, const std::string&) {
                          return json_answer(403, "", std::string(250, 'r') + bearer);
                      }});
    places.push_back({"a body that is not JSON", [](const RecordedRequest&, const std::string& bearer, const std::string&) {
                          return Script{http_response_bytes(502, "Bad Gateway", "upstream said: " + bearer,
                                                            {{"Content-Type", "text/plain"}})};
                      }});
    places.push_back({"a JSON body that is not an error model",
                      [](const RecordedRequest&, const std::string& bearer, const std::string&) {
                          return json_answer(401, boost::json::serialize(boost::json::object{{"echo", bearer}}));
                      }});
    return places;
}

// The places of a 2xx answer of the operation's kind.
std::vector<Place> success_places(Answers answers) {
    std::vector<Place> places;
    switch (answers) {
        case Answers::schedule:
            for (const std::string& field : schedule_fields)
                places.push_back({"schedule field " + field, [field](const RecordedRequest&, const std::string& bearer,
                                                                     const std::string&) {
                                      return json_answer(200, schedule_with(field, bearer));
                                  }});
            break;
        case Answers::page: {
            for (const std::string& field : schedule_fields)
                places.push_back({"value[0]." + field, [field](const RecordedRequest&, const std::string& bearer,
                                                               const std::string&) {
                                      return json_answer(200, R"({"value": [)" + schedule_with(field, bearer) + "]}");
                                  }});
            places.push_back({"value", [](const RecordedRequest&, const std::string& bearer, const std::string&) {
                                  return json_answer(200, R"({"value": )" + json_string(bearer) + "}");
                              }});
            places.push_back({"@count", [](const RecordedRequest&, const std::string& bearer, const std::string&) {
                                  return json_answer(200, R"({"value": [], "@count": )" + json_string(bearer) + "}");
                              }});
            // Links: the first page points on; whatever follows it ends the listing.
            const std::pair<const char*, std::string (*)(const std::string&, const std::string&)> links[] = {
                {"@nextLink to another host, in its path",
                 [](const std::string&, const std::string& bare) { return "https://evil.example/" + bare; }},
                {"@nextLink to another host, in its query",
                 [](const std::string&, const std::string& bare) { return "https://evil.example/p?t=" + bare; }},
                {"@nextLink to another host, in its fragment",
                 [](const std::string&, const std::string& bare) { return "https://evil.example/p#" + bare; }},
                {"@nextLink on the API origin, in its query (followed)",
                 [](const std::string&, const std::string& bare) { return "/cloud/v6/schedules?page=2&t=" + bare; }},
                {"@nextLink on the API origin, in its fragment",
                 [](const std::string&, const std::string& bare) { return "/cloud/v6/schedules?page=2#" + bare; }},
                {"@nextLink outside the API's path, in its path",
                 [](const std::string&, const std::string& bare) { return "/elsewhere/" + bare; }},
                {"@nextLink that is not a URI",
                 [](const std::string& bearer, const std::string&) { return "%%" + bearer; }},
            };
            for (const auto& [name, link] : links)
                places.push_back({name, [link](const RecordedRequest& request, const std::string& bearer,
                                               const std::string& bare) {
                                      if (request.target.find("page=2") != std::string::npos)
                                          return json_answer(200, R"({"value": []})");
                                      return json_answer(200, R"({"value": [], "@nextLink": )" +
                                                                  json_string(link(bearer, bare)) + "}");
                                  }});
            break;
        }
        case Answers::authentication:
            for (const char* field : {"stack_id", "default_project_id"})
                places.push_back({std::string("AuthenticationResponse.") + field,
                                  [field = std::string(field)](const RecordedRequest&, const std::string& bearer,
                                                               const std::string&) {
                                      boost::json::object auth{{"stack_id", 7}, {"default_project_id", 8}};
                                      auth[field] = bearer;
                                      return json_answer(200, boost::json::serialize(auth));
                                  }});
            break;
        case Answers::nothing:
            places.push_back({"a 2xx body", [](const RecordedRequest&, const std::string& bearer, const std::string&) {
                                  return json_answer(200, json_string(bearer));
                              }});
            break;
    }
    return places;
}

}  // namespace

TEST_CASE("no 8 bytes of the token reach an error, its text or the observer, wherever a server reflects it, for every operation") {
    std::mutex mutex;
    const Place* place = nullptr;
    ScriptedServer server([&](const RecordedRequest& request) {
        const std::lock_guard lock(mutex);
        const std::string bearer = request.header("Authorization").value_or("");
        return place->answer(request, bearer, bearer.substr(bearer.find(' ') + 1));
    });
    asio::io_context io;
    SeenByObserver seen;
    ClientOptions options = server.client_options();
    options.observer = seen.observer();
    Client client(io, options);
    std::size_t runs = 0;
    for (const auto& operation : every_operation()) {
        std::vector<Place> places = error_places();
        for (Place& p : success_places(operation.answers)) places.push_back(std::move(p));
        for (const Place& p : places) {
            {
                const std::lock_guard lock(mutex);
                place = &p;
            }
            const std::string where = std::string(operation.name) + ", " + p.name;
            CAPTURE(where);
            const std::optional<ApiError> error = operation.run(client, io);
            if (error) check_error(*error, where);
            const std::lock_guard lock(seen.mutex);
            for (const std::string& text : seen.texts) CHECK_NO_TOKEN(text, where + ": observer");
            for (const ApiError& e : seen.errors) check_error(e, where + ": observer's error");
            seen.texts.clear();
            seen.errors.clear();
            ++runs;
        }
    }
    CHECK(runs > 12 * 11);
    // The places were really reached: the requests carried the token, and a link on the API origin
    // holding it in its query was followed.
    bool followed = false;
    for (const RecordedRequest& r : server.requests())
        followed = followed || (r.target.starts_with("/cloud/v6/schedules?page=2&t=") &&
                                r.target.find(token) != std::string::npos);
    CHECK(followed);
}
