// SPDX-License-Identifier: BSL-1.0
// Listing across pages with Pager over real TLS to servers on 127.0.0.1
// (k6/schedules/pager.hpp, detail/io/pager_state.hpp, detail/page_cursor.hpp).
#include <k6/schedules.hpp>

#include "support/listing_server.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <set>
#include <thread>

using namespace k6::schedules;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace emu = k6::loopback;
using k6::test::json_response;
using k6::test::listing_page;
using k6::test::page_request;
using k6::test::run;
using k6::test::TestServer;

namespace {

// A TLS server listing `total` schedules; `base` is filled in once the port is known.
struct ListingServer {
    explicit ListingServer(std::int64_t total)
        : server([this, total](const emu::Request& request) {
              return json_response(listing_page(base, total, page_request(request.target)));
          }) {
        base = server.server().url();
    }
    std::string base;
    TestServer server;
};

// Reads a whole listing with async_next(): the ids in order, and the error that ended it, if any.
struct Drained {
    std::vector<std::int64_t> ids;
    std::optional<ApiError> error;
    bool ended_after_error = false;
};

asio::awaitable<Drained> drain(Pager& pager) {
    Drained out;
    while (auto item = co_await pager.async_next()) {
        if (!*item) {
            out.error = item->error();
            out.ended_after_error = !(co_await pager.async_next()).has_value();
            break;
        }
        out.ids.push_back((*item)->id.value);
    }
    co_return out;
}

Drained drain_all(asio::io_context& io, Pager& pager) {
    return run(io, asio::co_spawn(io, drain(pager), asio::deferred));
}

// A page of schedules first_id, first_id + 1, ... (count of them) with the given @nextLink.
std::string page_json(std::int64_t first_id, std::int64_t count, std::optional<std::string> next_link) {
    SchedulePage page;
    for (std::int64_t i = 0; i < count; ++i) page.items.push_back(k6::test::generated_schedule(first_id + i));
    page.next_link = std::move(next_link);
    return boost::json::serialize(boost::json::value_from(page));
}

std::vector<std::int64_t> one_to(std::int64_t n) {
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 1; i <= n; ++i) ids.push_back(i);
    return ids;
}

}  // namespace

TEST_CASE("an empty listing: one empty page, no items") {
    ListingServer listing(0);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules();
    auto page = run(io, pager.async_next_page());
    REQUIRE(page.has_value());
    CHECK(page->items.empty());
    CHECK_FALSE(page->next_link.has_value());
    CHECK(pager.done());
    auto again = run(io, pager.async_next_page());  // past the end: an empty page, nothing sent
    CHECK((again.has_value() && again->items.empty()));
    auto items = client.list_schedules();
    CHECK(drain_all(io, items).ids.empty());
    CHECK(listing.server.requests().size() == 2);
}

TEST_CASE("a single page") {
    ListingServer listing(5);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules({10, {}, false});
    const auto drained = drain_all(io, pager);
    CHECK(drained.ids == one_to(5));
    CHECK_FALSE(drained.error.has_value());
    CHECK(listing.server.requests().size() == 1);
}

TEST_CASE("many pages: every item once, in order, with $top/$skip/$count first and the raw link afterwards") {
    ListingServer listing(250);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules({10, 0, true});
    CHECK_FALSE(pager.total_count().has_value());
    const auto drained = drain_all(io, pager);
    CHECK(drained.ids == one_to(250));
    CHECK(pager.total_count() == 250);
    CHECK(pager.done());
    const auto requests = listing.server.requests();
    REQUIRE(requests.size() == 25);
    CHECK(requests[0].target == "/cloud/v6/schedules?$top=10&$skip=0&$count=true");
    for (std::size_t i = 1; i < requests.size(); ++i) {
        CAPTURE(i);
        CHECK(requests[i].target == "/cloud/v6/schedules?$skip=" + std::to_string(i * 10) + "&$top=10&$count=true");
        CHECK(requests[i].header("Authorization") == std::string(k6::test::test_authorization));
    }
    CHECK(listing.server.server().connections_accepted() == 1);  // one kept-alive connection throughout
}

TEST_CASE("pages through async_next_page carry @count and the next link") {
    ListingServer listing(25);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules({10, {}, true});
    std::vector<std::size_t> sizes;
    while (!pager.done()) {
        auto page = run(io, pager.async_next_page());
        REQUIRE(page.has_value());
        CHECK(page->count == 25);
        sizes.push_back(page->items.size());
        CHECK(page->next_link.has_value() == !pager.done());
    }
    CHECK(sizes == std::vector<std::size_t>{10, 10, 5});
}

TEST_CASE("the pager sends nothing until it is first awaited") {
    ListingServer listing(50);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules({10, {}, false}, {.read_ahead = true});
    io.run_for(200ms);
    CHECK(listing.server.requests().empty());
    CHECK(run(io, pager.async_next_page()).has_value());
    CHECK_FALSE(listing.server.requests().empty());
}

TEST_CASE("an empty page that still has a link does not end the listing") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        if (r.skip == 10)  // the second page is empty but points on
            return json_response(R"({"value": [], "@nextLink": ")" + base +
                                 R"(/cloud/v6/schedules?$skip=20&$top=10"})");
        return json_response(listing_page(base, 30, r));
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules({10, {}, false});
    const auto drained = drain_all(io, pager);
    std::vector<std::int64_t> want = one_to(10);
    for (std::int64_t i = 21; i <= 30; ++i) want.push_back(i);
    CHECK(drained.ids == want);
    CHECK_FALSE(drained.error.has_value());
    CHECK(server.requests().size() == 3);
}

TEST_CASE("a link followed before is refused, so a looping server cannot make the listing endless") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        r.skip = std::min<std::int64_t>(r.skip, 10);  // from the second page on, it always links to itself
        std::string body = listing_page(base, 1000, r);
        if (r.skip == 10) body = listing_page(base, 1000, {10, 10, false});
        return json_response(body);
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules({10, {}, false});
    auto loop = [&]() -> asio::awaitable<Drained> { co_return co_await drain(pager); };
    // pages: 0-9, 10-19 with a link to $skip=20; then 10-19 again (clamped) with the same link: refused.
    const auto drained = run(io, asio::co_spawn(io, loop(), asio::deferred));
    REQUIRE(drained.error.has_value());
    CHECK(drained.error->ec == errc::bad_next_link);
    CHECK(drained.error->message.find("followed before") != std::string::npos);
    CHECK(drained.ended_after_error);
    CHECK(drained.ids.size() == 30);
    CHECK(server.requests().size() == 3);
}

TEST_CASE("links to a foreign host, a foreign port or plain http are refused before anything is sent") {
    TestServer foreign_tls(TestServer::ok_json("{}"));
    TestServer foreign_plain(TestServer::ok_json("{}"), TestServer::plain_options());
    std::string next;
    TestServer api(
        [&next](const emu::Request&) { return json_response(R"({"value": [], "@nextLink": ")" + next + R"("})"); });
    const std::string api_port = std::to_string(api.server().port());
    struct Case {
        const char* what;
        std::string link;
        TestServer* must_stay_silent;
    };
    const Case cases[] = {
        {"another host name for the same server", "https://localhost:" + api_port + "/cloud/v6/schedules?$skip=10",
         &api},
        {"another port", foreign_tls.server().url() + "/cloud/v6/schedules?$skip=10", &foreign_tls},
        {"another host and port", "https://localhost:" + std::to_string(foreign_tls.server().port()) + "/x",
         &foreign_tls},
        {"http on another port", foreign_plain.server().url() + "/cloud/v6/schedules?$skip=10", &foreign_plain},
        {"http on the same port", "http://127.0.0.1:" + api_port + "/cloud/v6/schedules?$skip=10", &api},
        {"credentials in the link", "https://user:pw@127.0.0.1:" + api_port + "/cloud/v6/schedules", &api},
    };
    asio::io_context io;
    Client client(io, api.client_options());
    for (const Case& c : cases) {
        CAPTURE(std::string(c.what));
        next = c.link;
        const auto before = c.must_stay_silent->requests().size();
        const auto connections = c.must_stay_silent->server().connections_accepted();
        auto pager = client.list_schedules();
        auto first = run(io, pager.async_next_page());
        REQUIRE(first.has_value());
        CHECK(first->next_link == c.link);
        auto refused = run(io, pager.async_next_page());
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().ec == errc::bad_next_link);
        CHECK(refused.error().kind == ErrorKind::malformed_response);
        CHECK(refused.error().message.find("pw") == std::string::npos);
        CHECK(pager.done());
        // The API server saw the first page's request only; a foreign server saw nothing at all.
        const bool is_api = c.must_stay_silent == &api;
        CHECK(c.must_stay_silent->requests().size() == before + (is_api ? 1 : 0));
        if (!is_api) CHECK(c.must_stay_silent->server().connections_accepted() == connections);
    }
    CHECK(api.requests().size() == std::size(cases));  // only the first page of each listing
    CHECK(api.server().tls_handshake_failures() == 0);
    CHECK(api.server().connections_accepted() == 1);
    CHECK(foreign_tls.requests().empty());
    CHECK(foreign_plain.requests().empty());
}

TEST_CASE("endless empty pages with ever-new links stop after max_empty_pages (100 by default)") {
    std::string base;
    std::atomic<int> served{0};
    TestServer server([&base, &served](const emu::Request&) {
        const int n = ++served;
        if (n >= 1000) return json_response(R"({"value": []})");  // without a bound: a long run, then the end
        return json_response(page_json(1, 0, base + "/cloud/v6/schedules?$skip=" + std::to_string(n)));
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    CHECK(PagerOptions{}.max_empty_pages == 100);
    auto pager = client.list_schedules();
    const auto drained = drain_all(io, pager);
    CHECK(drained.ids.empty());
    REQUIRE(drained.error.has_value());
    CHECK(drained.error->kind == ErrorKind::malformed_response);
    CHECK(drained.error->ec == errc::bad_next_link);
    CHECK(drained.error->target == "@nextLink");
    CHECK(drained.error->message.starts_with("100 empty pages in a row"));
    CHECK(drained.ended_after_error);
    CHECK(pager.done());
    CHECK_FALSE(pager.next_link().has_value());  // refused: nothing to resume from
    CHECK(server.requests().size() == 100);

    for (bool read_ahead : {false, true}) {
        CAPTURE(read_ahead);
        const auto before = server.requests().size();
        auto bounded = client.list_schedules({}, {.read_ahead = read_ahead, .max_empty_pages = 5});
        const auto d = drain_all(io, bounded);
        REQUIRE(d.error.has_value());
        CHECK(d.error->message.starts_with("5 empty pages in a row"));
        CHECK(server.requests().size() - before == 5);  // the read-ahead does not send the sixth either
    }
}

TEST_CASE("a cycle of non-empty pages is detected, short (A, B, C, A) or long") {
    for (std::int64_t period : {3, 20}) {
        CAPTURE(period);
        std::string base;
        TestServer server([&base, period](const emu::Request& request) {
            const auto r = page_request(request.target);
            // $skip: 0, then 10, 20, ... 10 * period, then 10 again.
            const std::int64_t next = r.skip == 10 * period ? 10 : r.skip + 10;
            return json_response(
                page_json(r.skip + 1, 10, base + "/cloud/v6/schedules?$skip=" + std::to_string(next) + "&$top=10"));
        });
        base = server.server().url();
        asio::io_context io;
        Client client(io, server.client_options());
        auto pager = client.list_schedules({10, {}, false});
        const auto drained = drain_all(io, pager);
        REQUIRE(drained.error.has_value());
        CHECK(drained.error->ec == errc::bad_next_link);
        CHECK(drained.error->kind == ErrorKind::malformed_response);
        CHECK(drained.error->message.find("followed before") != std::string::npos);
        CHECK(drained.ended_after_error);
        const auto requests = static_cast<std::int64_t>(server.requests().size());
        if (period == 3) {
            CHECK(requests == 4);  // the first page and A, B, C: none twice
            CHECK(drained.ids == one_to(40));
        } else {
            CHECK(requests <= 2 * (period + 2) + period);  // long: caught within Brent's bound
        }
    }
}

TEST_CASE("@nextLink: links that leave api_url's path are refused before anything is sent, however spelled") {
    std::string next;
    TestServer api(
        [&next](const emu::Request&) { return json_response(R"({"value": [], "@nextLink": ")" + next + R"("})"); });
    const std::string origin = api.server().url();
    auto options = api.client_options();
    options.api_url = origin + "/k6";
    asio::io_context io;
    Client client(io, options);
    for (const std::string& link :
         {origin + "/elsewhere/cloud/v6/schedules", origin + "/k6/../elsewhere/cloud/v6/schedules",
          origin + "/k6/%2e%2e/elsewhere/cloud/v6/schedules", std::string("/k6/%2E%2E/elsewhere"),
          origin + "/k6evil/cloud/v6/schedules", std::string("/k6evil"), std::string("../../../elsewhere"),
          std::string("/")}) {
        CAPTURE(link);
        next = link;
        const auto before = api.requests().size();
        auto pager = client.list_schedules();
        REQUIRE(run(io, pager.async_next_page()).has_value());
        CHECK(api.requests().back().target == "/k6/cloud/v6/schedules");
        auto refused = run(io, pager.async_next_page());
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().ec == errc::bad_next_link);
        CHECK(refused.error().kind == ErrorKind::malformed_response);
        CHECK(refused.error().message.find("outside the API URL's path \"/k6\"") != std::string::npos);
        CHECK(pager.done());
        CHECK(api.requests().size() == before + 1);  // only the first page
    }
    // Below the prefix, the link is followed, its path sent in normal form.
    next = origin + "/k6/cloud/x/../v6/%73chedules?$skip=10";
    auto pager = client.list_schedules();
    REQUIRE(run(io, pager.async_next_page()).has_value());
    REQUIRE(run(io, pager.async_next_page()).has_value());
    CHECK(api.requests().back().target == "/k6/cloud/v6/schedules?$skip=10");
}

TEST_CASE("an empty-string @nextLink ends the listing") {
    TestServer server([](const emu::Request&) { return json_response(page_json(1, 5, "")); });
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules();
    const auto drained = drain_all(io, pager);
    CHECK(drained.ids == one_to(5));
    CHECK_FALSE(drained.error.has_value());
    CHECK(pager.done());
    CHECK(server.requests().size() == 1);

    auto pages = client.list_schedules();
    auto page = run(io, pages.async_next_page());
    REQUIRE(page.has_value());
    CHECK_FALSE(page->next_link.has_value());  // as from a last page: next_link is there iff the listing goes on
    CHECK(pages.done());
    CHECK_FALSE(pages.next_link().has_value());
    CHECK(server.requests().size() == 2);
}

TEST_CASE("relative links ?$skip=5 and schedules?$skip=5 resolve against the page that carried them") {
    TestServer server([](const emu::Request& request) {
        const auto r = page_request(request.target);
        if (r.skip == 0) return json_response(page_json(1, 5, "?$skip=5&$top=5"));
        if (r.skip == 5) return json_response(page_json(6, 5, "schedules?$skip=10&$top=5"));
        return json_response(page_json(r.skip + 1, 5, std::nullopt));
    });
    const std::string api_url = server.server().url() + "/k6";
    auto options = server.client_options();
    options.api_url = api_url;
    asio::io_context io;
    Client client(io, options);
    auto pager = client.list_schedules({5, {}, false});
    REQUIRE(run(io, pager.async_next_page()).has_value());
    CHECK(pager.next_link() == api_url + "/cloud/v6/schedules?$skip=5&$top=5");  // absolute, to resume from
    REQUIRE(run(io, pager.async_next_page()).has_value());
    const auto saved = pager.next_link();
    CHECK(saved == api_url + "/cloud/v6/schedules?$skip=10&$top=5");
    std::vector<std::int64_t> ids = one_to(10);
    for (auto id : drain_all(io, pager).ids) ids.push_back(id);
    CHECK(ids == one_to(15));
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].target == "/k6/cloud/v6/schedules?$top=5");
    CHECK(requests[1].target == "/k6/cloud/v6/schedules?$skip=5&$top=5");
    CHECK(requests[2].target == "/k6/cloud/v6/schedules?$skip=10&$top=5");

    auto resumed = client.resume_listing(*saved);
    CHECK(drain_all(io, resumed).ids == std::vector<std::int64_t>{11, 12, 13, 14, 15});
    CHECK(server.requests().back().target == "/k6/cloud/v6/schedules?$skip=10&$top=5");
    auto relative = client.resume_listing("cloud/v6/schedules?$skip=10&$top=5");  // against api_url
    CHECK(drain_all(io, relative).ids == std::vector<std::int64_t>{11, 12, 13, 14, 15});
    CHECK(server.requests().back().target == "/k6/cloud/v6/schedules?$skip=10&$top=5");
}

TEST_CASE("after a server error on page 3, next_link() names page 3 and resuming from it loses and repeats nothing") {
    std::string base;
    std::atomic<bool> failing{true};
    TestServer server([&base, &failing](const emu::Request& request) {
        const auto r = page_request(request.target);
        if (r.skip == 20 && failing)
            return json_response(R"({"error": {"code": "internal_error", "message": "Database unavailable."}})", 500);
        return json_response(listing_page(base, 45, r));
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    for (bool read_ahead : {false, true}) {
        CAPTURE(read_ahead);
        failing = true;
        auto pager = client.list_schedules({10, {}, false}, {.read_ahead = read_ahead});
        const auto drained = drain_all(io, pager);
        CHECK(drained.ids == one_to(20));
        REQUIRE(drained.error.has_value());
        CHECK(drained.error->status == 500);
        CHECK(drained.ended_after_error);
        CHECK(pager.done());
        REQUIRE(pager.next_link().has_value());
        CHECK(*pager.next_link() == base + "/cloud/v6/schedules?$skip=20&$top=10");

        failing = false;
        auto resumed = client.resume_listing(*pager.next_link(), {.read_ahead = read_ahead});
        std::vector<std::int64_t> ids = drained.ids;
        for (auto id : drain_all(io, resumed).ids) ids.push_back(id);
        CHECK(ids == one_to(45));
    }
}

TEST_CASE("cancelling one async_next leaves the listing where it was: the next call fetches that page again") {
    for (bool read_ahead : {false, true}) {
        CAPTURE(read_ahead);
        std::string base;
        std::atomic<int> second_page_requests{0};
        TestServer server([&base, &second_page_requests](const emu::Request& request) {
            const auto r = page_request(request.target);
            auto response = json_response(listing_page(base, 30, r));
            if (r.skip == 10 && ++second_page_requests == 1) response.delay = 10s;  // the first time only
            return response;
        });
        base = server.server().url();
        asio::io_context io;
        Client client(io, server.client_options());
        auto pager = client.list_schedules({10, {}, false}, {.read_ahead = read_ahead});
        std::vector<std::int64_t> ids;
        for (int i = 0; i < 10; ++i) {
            auto item = run(io, pager.async_next());
            REQUIRE((item && *item));
            ids.push_back((*item)->id.value);
        }
        // The 11th schedule needs page 2, which stalls (requested ahead, or now); the caller gives up.
        asio::cancellation_signal signal;
        std::optional<std::optional<expected<Schedule>>> cancelled;
        pager.async_next(asio::bind_cancellation_slot(
            signal.slot(), [&](std::optional<expected<Schedule>> item) { cancelled = std::move(item); }));
        asio::steady_timer timer(io, 200ms);
        timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
        const auto start = std::chrono::steady_clock::now();
        io.restart();
        io.run_for(8s);
        REQUIRE(cancelled.has_value());
        REQUIRE(cancelled->has_value());
        REQUIRE_FALSE(cancelled->value().has_value());
        CHECK(cancelled->value().error().kind == ErrorKind::cancelled);
        CHECK(std::chrono::steady_clock::now() - start < 5s);
        CHECK_FALSE(pager.done());
        CHECK(pager.next_link() == base + "/cloud/v6/schedules?$skip=10&$top=10");

        const auto rest = drain_all(io, pager);
        CHECK_FALSE(rest.error.has_value());
        for (auto id : rest.ids) ids.push_back(id);
        CHECK(ids == one_to(30));
        CHECK(second_page_requests == 2);
        CHECK(server.requests().size() == 4);  // pages 1 and 3 once, page 2 twice
    }
}

TEST_CASE("an absolute-path @nextLink is taken from the API origin") {
    TestServer server([](const emu::Request& request) {
        auto r = page_request(request.target);
        if (r.skip == 0) return json_response(R"({"value": [], "@nextLink": "/cloud/v6/schedules?$skip=5&$top=5"})");
        return json_response(R"({"value": []})");
    });
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules({5, {}, false});
    CHECK(drain_all(io, pager).ids.empty());
    REQUIRE(server.requests().size() == 2);
    CHECK(server.requests()[1].target == "/cloud/v6/schedules?$skip=5&$top=5");
}

TEST_CASE("a server error on page 3: pages 1 and 2 are delivered, then the error, then the end") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        if (r.skip == 20)
            return json_response(R"({"error": {"code": "internal_error", "message": "Database unavailable."}})", 500);
        return json_response(listing_page(base, 100, r));
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules({10, {}, false});
    const auto drained = drain_all(io, pager);
    CHECK(drained.ids == one_to(20));
    REQUIRE(drained.error.has_value());
    CHECK(drained.error->status == 500);
    CHECK(drained.error->message == "Database unavailable.");
    CHECK(drained.ended_after_error);
    CHECK(pager.done());

    auto pages = client.list_schedules({10, {}, false});
    CHECK(run(io, pages.async_next_page()).has_value());
    CHECK(run(io, pages.async_next_page()).has_value());
    auto third = run(io, pages.async_next_page());
    REQUIRE_FALSE(third.has_value());
    CHECK(third.error().ec == errc::internal_server_error);
    CHECK(pages.done());
}

TEST_CASE("a listing resumes from a saved link without a duplicate or a gap") {
    ListingServer listing(45);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    std::vector<std::int64_t> ids;
    std::string saved;
    {
        auto pager = client.list_schedules({10, {}, false});
        CHECK_FALSE(pager.next_link().has_value());
        for (int page = 0; page < 2; ++page) {
            auto p = run(io, pager.async_next_page());
            REQUIRE(p.has_value());
            for (const auto& s : p->items) ids.push_back(s.id.value);
        }
        REQUIRE(pager.next_link().has_value());
        saved = *pager.next_link();
    }
    CHECK(saved == listing.base + "/cloud/v6/schedules?$skip=20&$top=10");
    auto resumed = client.resume_listing(saved);
    for (auto id : drain_all(io, resumed).ids) ids.push_back(id);
    CHECK(ids == one_to(45));
    CHECK_FALSE(resumed.next_link().has_value());

    auto foreign = client.resume_listing("https://evil.example/cloud/v6/schedules?$skip=20");
    auto refused = run(io, foreign.async_next_page());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().ec == errc::bad_next_link);
    CHECK(refused.error().kind == ErrorKind::invalid_argument);  // the caller's link, not the server's
}

TEST_CASE("cancelling a listing mid-way leaves the client usable") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        auto response = json_response(listing_page(base, 100, r));
        if (r.skip == 10) response.delay = 10s;  // the second page stalls
        return response;
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules({10, {}, false});
    REQUIRE(run(io, pager.async_next_page()).has_value());
    asio::cancellation_signal signal;
    std::optional<expected<SchedulePage>> second;
    pager.async_next_page(
        asio::bind_cancellation_slot(signal.slot(), [&](expected<SchedulePage> p) { second = std::move(p); }));
    asio::steady_timer timer(io, 200ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    io.restart();
    io.run_for(8s);
    REQUIRE(second.has_value());
    REQUIRE_FALSE(second->has_value());
    CHECK(second->error().kind == ErrorKind::cancelled);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK_FALSE(pager.done());  // the caller stopped waiting; the listing is still there
    server.answer(TestServer::ok_json(R"({"value": []})"));
    CHECK(run(io, client.async_list_schedules()).has_value());
    CHECK(run(io, pager.async_next_page()).has_value());  // the page that was cancelled, asked for again
    CHECK(server.requests().back().target == "/cloud/v6/schedules?$skip=10&$top=10");
    CHECK(pager.done());
}

TEST_CASE("read-ahead: the next page is requested while the caller works on the current one") {
    ListingServer listing(40);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules({10, {}, false}, {.read_ahead = true});
    REQUIRE(run(io, pager.async_next_page()).has_value());
    // The caller has page 1; page 2 is already on its way without being asked for.
    io.restart();
    io.run_for(300ms);
    CHECK(listing.server.requests().size() == 2);
    std::vector<std::int64_t> ids = one_to(10);
    for (auto id : drain_all(io, pager).ids) ids.push_back(id);
    CHECK(ids == one_to(40));
    CHECK(listing.server.requests().size() == 4);  // never more than the pages there are
}

TEST_CASE("read-ahead: dropping the pager cancels the request in flight, and the client stays usable") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        auto response = json_response(listing_page(base, 100, r));
        if (r.skip == 10) response.delay = 10s;  // the read-ahead request stalls
        return response;
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    {
        auto pager = client.list_schedules({10, {}, false}, {.read_ahead = true});
        REQUIRE(run(io, pager.async_next_page()).has_value());
        io.restart();
        io.run_for(200ms);
        CHECK(server.requests().size() == 2);
    }
    const auto start = std::chrono::steady_clock::now();
    io.restart();
    io.run_for(5s);  // returns as soon as the cancelled read-ahead has wound down
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    auto page = run(io, client.async_list_schedules(ListQuery{10, 0, false}));
    CHECK_MESSAGE(page.has_value(), page.error().to_string());
}

TEST_CASE("read-ahead: cancel_all reaches the request sent ahead, and the pager reports that page as cancelled") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        auto response = json_response(listing_page(base, 100, r));
        if (r.skip == 10) response.delay = 10s;  // the read-ahead request stalls
        return response;
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules({10, {}, false}, {.read_ahead = true});
    REQUIRE(run(io, pager.async_next_page()).has_value());
    io.restart();
    io.run_for(200ms);
    REQUIRE(server.requests().size() == 2);  // page 2 is on its way, asked for by nobody yet
    const auto start = std::chrono::steady_clock::now();
    client.cancel_all();
    auto page = run(io, pager.async_next_page());
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().kind == ErrorKind::cancelled);
}

TEST_CASE("leaving scope with a call and a read-ahead in flight (pager, client, then io_context) frees them cleanly") {
    // The coroutines in flight are destroyed with the io_context, after the client: each must
    // leave the client's set of running operations while the state it keeps alive still exists
    // (AddressSanitizer checks it in CI).
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        if (request.target.ends_with("/7")) {
            emu::Response stalled = json_response(R"({"id": 7})");
            stalled.delay = 10s;
            return stalled;
        }
        auto r = page_request(request.target);
        auto response = json_response(listing_page(base, 100, r));
        if (r.skip == 10) response.delay = 10s;
        return response;
    });
    base = server.server().url();
    bool completed = false;
    {
        asio::io_context io;
        Client client(io, server.client_options());
        auto pager = client.list_schedules({10, {}, false}, {.read_ahead = true});
        REQUIRE(run(io, pager.async_next_page()).has_value());
        client.async_get_schedule(ScheduleId{7}, [&completed](expected<Schedule>) { completed = true; });
        io.restart();
        io.run_for(200ms);
        CHECK(server.requests().size() == 3);  // page 1, page 2 sent ahead, and the get
    }
    CHECK_FALSE(completed);  // a handler is never called once its io_context is gone
}

TEST_CASE("read-ahead gives the same items, pages and errors as reading page by page") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        if (r.skip == 60) return json_response(R"({"error": {"code": "boom", "message": "Page 7 failed."}})", 503);
        return json_response(listing_page(base, 100, r));
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    auto plain = client.list_schedules({10, {}, false});
    auto ahead = client.list_schedules({10, {}, false}, {.read_ahead = true});
    const auto a = drain_all(io, plain);
    const auto b = drain_all(io, ahead);
    CHECK(a.ids == one_to(60));
    CHECK(b.ids == a.ids);
    REQUIRE(b.error.has_value());
    CHECK(b.error->message == "Page 7 failed.");
    CHECK(b.ended_after_error);
}

TEST_CASE("async_list_all_schedules collects a listing, and refuses to exceed max_items") {
    ListingServer listing(123);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto all = run(io, client.async_list_all_schedules({50, {}, false}));
    REQUIRE(all.has_value());
    REQUIRE(all->size() == 123);
    for (std::size_t i = 0; i < all->size(); ++i) REQUIRE((*all)[i] == k6::test::generated_schedule(i + 1));
    auto capped = run(io, client.async_list_all_schedules({50, {}, false}, 100));
    REQUIRE_FALSE(capped.has_value());
    CHECK(capped.error().kind == ErrorKind::invalid_argument);
    CHECK(capped.error().message.find("max_items = 100") != std::string::npos);
    auto exact = run(io, client.async_list_all_schedules({50, {}, false}, 123));
    CHECK(exact.has_value());
}

TEST_CASE("an invalid ListQuery is refused before anything is sent") {
    ListingServer listing(10);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules({0, {}, false});
    auto page = run(io, pager.async_next_page());
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().target == "$top");
    CHECK(pager.done());
    CHECK(drain_all(io, pager).ids.empty());
    auto all = run(io, client.async_list_all_schedules({1001, {}, false}));
    CHECK(all.error().target == "$top");
    CHECK(listing.server.requests().empty());
}

TEST_CASE("one operation at a time per pager") {
    ListingServer listing(30);
    asio::io_context io;
    Client client(io, listing.server.client_options());
    auto pager = client.list_schedules({10, {}, false});
    auto first = pager.async_next_page(asio::use_future);
    auto second = pager.async_next_page(asio::use_future);
    io.run_for(5s);
    auto a = first.get();
    auto b = second.get();
    CHECK(a.has_value());
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().kind == ErrorKind::invalid_argument);
    CHECK(b.error().message.find("in progress") != std::string::npos);
}

TEST_CASE("a pager keeps the client's state alive after the Client handle is gone") {
    ListingServer listing(25);
    asio::io_context io;
    std::optional<Pager> pager;
    {
        Client client(io, listing.server.client_options());
        pager.emplace(client.list_schedules({10, {}, false}));
    }
    CHECK(drain_all(io, *pager).ids == one_to(25));
}

TEST_CASE("read-ahead: cancelling the wait for the page already requested cancels that request") {
    std::string base;
    TestServer server([&base](const emu::Request& request) {
        auto r = page_request(request.target);
        auto response = json_response(listing_page(base, 100, r));
        if (r.skip == 10) response.delay = 10s;
        return response;
    });
    base = server.server().url();
    asio::io_context io;
    Client client(io, server.client_options());
    auto pager = client.list_schedules({10, {}, false}, {.read_ahead = true});
    REQUIRE(run(io, pager.async_next_page()).has_value());
    asio::cancellation_signal signal;
    std::optional<expected<SchedulePage>> second;
    pager.async_next_page(
        asio::bind_cancellation_slot(signal.slot(), [&](expected<SchedulePage> p) { second = std::move(p); }));
    asio::steady_timer timer(io, 200ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    io.restart();
    io.run_for(8s);
    REQUIRE(second.has_value());
    REQUIRE_FALSE(second->has_value());
    CHECK(second->error().kind == ErrorKind::cancelled);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK(server.requests().size() == 2);
    CHECK(run(io, client.async_list_schedules(ListQuery{10, 0, false})).has_value());
}
