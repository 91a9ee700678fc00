// SPDX-License-Identifier: BSL-1.0
// An HTTP response as the client keeps it, and the parser that reads one. Sans-io: Beast's parser
// fed with bytes, tested and fuzzed without sockets.
#ifndef K6_SCHEDULES_DETAIL_HTTP_RESPONSE_HPP
#define K6_SCHEDULES_DETAIL_HTTP_RESPONSE_HPP

#include <k6/schedules/detail/config.hpp>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// Of an error answer's body (any final status but 2xx), at most this much is kept: an
// ErrorApiModel anyone would read fits many times over, and a huge or endless one costs no more.
// Reading stops there and the connection is closed, not reused.
inline constexpr std::size_t error_body_keep_bytes = 64 * 1024;

// A body's declared length is memory reserved before a byte of it has arrived; beyond this much,
// the body grows as its bytes do come, so that a server cannot make the client hold a large
// buffer by announcing a length and then trickling.
inline constexpr std::size_t body_reserve_max = 1024 * 1024;

// What the client reads of a response: the status line, the one header whose value it uses
// (Retry-After, for the retry decision), and the body.
struct HttpResponse {
    unsigned status = 0;
    std::string reason{};                      // as the server sent it, possibly empty
    std::optional<std::string> retry_after{};  // the first Retry-After header's value
    std::string body{};
    bool body_cut = false;  // an error answer's body went on past error_body_keep_bytes: `body` is its start
};

// Beast's parser keeping only what HttpResponse holds. Beast's own response parser keeps every
// header in a heap node of its own (five or more allocations for a typical answer) and builds a
// message object around them, for headers nobody reads. Framing (Content-Length, chunked, the end
// of the stream), keep-alive and the size limits are Beast's, unchanged, but for an error answer:
// its body is read up to error_body_keep_bytes whatever its size, declared or not, and parsing
// then stops with http::error::body_limit and body_cut set. The caller's body_limit is for 2xx
// bodies; an error answer's is its API error, which an oversized body must not hide.
class ResponseReader final : public boost::beast::http::basic_parser<false> {
public:
    using error_code = boost::system::error_code;

    HttpResponse& get() noexcept { return response_; }
    HttpResponse release() noexcept { return std::move(response_); }

private:
    using field = boost::beast::http::field;
    using verb = boost::beast::http::verb;
    using string_view = boost::beast::string_view;

    void on_request_impl(verb, string_view, string_view, int, error_code& ec) override {
        ec = boost::beast::http::error::bad_version;  // never called on a response parser
    }
    void on_response_impl(int code, string_view reason, int, error_code& ec) override {
        response_.status = static_cast<unsigned>(code);
        response_.reason.assign(reason.data(), reason.size());
        // Beast compares a declared length with the body limit only once the header is complete.
        const bool interim_or_success = code >= 100 && code <= 299;
        if (!interim_or_success) {
            body_limit(boost::none);
            keep_limit_ = error_body_keep_bytes;
        }
        ec = {};
    }
    void on_field_impl(field name, string_view, string_view value, error_code& ec) override {
        if (name == field::retry_after && !response_.retry_after)
            response_.retry_after.emplace(value.data(), value.size());
        ec = {};
    }
    void on_header_impl(error_code& ec) override { ec = {}; }
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code& ec) override {
        // The parser has checked a declared length against the body limit already.
        if (length) {
            const std::uint64_t bound = std::min<std::uint64_t>(body_reserve_max, keep_limit_);
            response_.body.reserve(static_cast<std::size_t>(std::min(*length, bound)));
        }
        ec = {};
    }
    std::size_t on_body_impl(string_view body, error_code& ec) override {
        const std::size_t room = keep_limit_ - response_.body.size();
        if (body.size() > room) {
            response_.body.append(body.data(), room);
            response_.body_cut = true;
            ec = boost::beast::http::error::body_limit;  // stops the parser: the rest is never read
            return room;
        }
        response_.body.append(body.data(), body.size());
        ec = {};
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) override { ec = {}; }
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
        return on_body_impl(body, ec);
    }
    void on_finish_impl(error_code& ec) override { ec = {}; }

    HttpResponse response_;
    std::size_t keep_limit_ = static_cast<std::size_t>(-1);  // of the body; Beast's body_limit bounds a 2xx one
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_HTTP_RESPONSE_HPP
