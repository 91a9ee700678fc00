// SPDX-License-Identifier: BSL-1.0
// ApiError, errc and the status table (k6/schedules/error.hpp).
#include <k6/schedules.hpp>
#include "support/internals.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <sstream>

using namespace k6::schedules;

TEST_CASE("classify_status maps every status the API documents, row by row") {
    struct Row {
        unsigned status;
        errc code;
        bool retryable;
    };
    const Row table[] = {
        {400, errc::bad_request, false},       {401, errc::unauthorized, false},
        {403, errc::forbidden, false},         {404, errc::not_found, false},
        {409, errc::conflict, false},          {413, errc::payload_too_large, false},
        {429, errc::too_many_requests, true},  {500, errc::internal_server_error, true},
        {502, errc::bad_gateway, true},        {503, errc::service_unavailable, true},
        {504, errc::gateway_timeout, true},    {301, errc::unexpected_status, false},
        {302, errc::unexpected_status, false}, {405, errc::unexpected_status, false},
        {418, errc::unexpected_status, false}, {501, errc::unexpected_status, false},
        {599, errc::unexpected_status, false},
    };
    for (const Row& row : table) {
        CAPTURE(row.status);
        CHECK(classify_status(row.status).code == row.code);
        CHECK(classify_status(row.status).retryable == row.retryable);
    }
}

TEST_CASE("errc values are boost::system error codes of the k6.schedules category") {
    const boost::system::error_code ec = errc::not_found;
    CHECK(ec.category().name() == std::string("k6.schedules"));
    CHECK(ec.message() == "not found");
    CHECK(ec == errc::not_found);
    CHECK(ec != errc::conflict);
    for (int v = static_cast<int>(errc::bad_request); v <= static_cast<int>(errc::cancelled); ++v)
        CHECK(error_category().message(v) != "unknown k6.schedules error");
    CHECK(error_category().message(9999) == "unknown k6.schedules error");
}

TEST_CASE("ApiError prints as one line: HTTP status, code, message, then the target") {
    ApiError api;
    api.kind = ErrorKind::api;
    api.status = 404;
    api.code = "not_found";
    api.message = "Schedule not found.";
    CHECK(api.to_string() == "HTTP 404 not_found: Schedule not found.");
    api.target = "id";
    CHECK(api.to_string() == "HTTP 404 not_found: Schedule not found. (target: id)");
    // After retries, how many attempts it took and why retrying stopped; one attempt says nothing.
    api.attempts = 1;
    api.retry_stopped = "not retryable";
    CHECK(api.to_string() == "HTTP 404 not_found: Schedule not found. (target: id)");
    api.attempts = 4;
    api.retry_stopped = "retries exhausted";
    CHECK(api.to_string() == "HTTP 404 not_found: Schedule not found. (target: id) (after 4 attempts: retries exhausted)");
    api.attempts = 0;
    api.retry_stopped.clear();
    std::ostringstream os;
    os << api;
    CHECK(os.str() == api.to_string());

    ApiError bare;
    bare.kind = ErrorKind::api;
    bare.status = 502;
    bare.message = "Bad Gateway";
    CHECK(bare.to_string() == "HTTP 502: Bad Gateway");

    ApiError timeout;
    timeout.kind = ErrorKind::timeout;
    timeout.message = "reading the response from 127.0.0.1:9 timed out";
    CHECK(timeout.to_string() == "timeout: reading the response from 127.0.0.1:9 timed out");

    ApiError malformed;
    malformed.kind = ErrorKind::malformed_response;
    malformed.status = 200;  // a 2xx with a bad body is not an API error
    malformed.message = "field id: expected an integer, got a string";
    malformed.target = "id";
    CHECK(malformed.to_string() == "malformed_response: field id: expected an integer, got a string (target: id)");
}

TEST_CASE("ErrorKind names") {
    CHECK(to_string(ErrorKind::api) == "api");
    CHECK(to_string(ErrorKind::invalid_argument) == "invalid_argument");
    CHECK(to_string(ErrorKind::transport) == "transport");
    CHECK(to_string(ErrorKind::tls) == "tls");
    CHECK(to_string(ErrorKind::timeout) == "timeout");
    CHECK(to_string(ErrorKind::malformed_response) == "malformed_response");
    CHECK(to_string(ErrorKind::cancelled) == "cancelled");
}

TEST_CASE("retryable follows the status table, and transport failures are retryable") {
    ApiError e;
    e.status = 503;
    CHECK(e.retryable());
    e.status = 400;
    CHECK_FALSE(e.retryable());
    e.status = 0;
    e.kind = ErrorKind::transport;
    CHECK(e.retryable());
    e.kind = ErrorKind::tls;
    CHECK_FALSE(e.retryable());
    e.kind = ErrorKind::malformed_response;
    CHECK_FALSE(e.retryable());
}

// Server text in an ApiError (detail/text.hpp): secrets masked first, then bounded, then escaped.
namespace text = k6::schedules::detail;

TEST_CASE("server_text redacts the secret on the raw bytes, whole or cut off") {
    const std::string token = "tok-1234567890";
    CHECK(text::server_text("Token tok-1234567890 is invalid.", token) == "Token [redacted] is invalid.");
    // Overlapping and back-to-back echoes become one mark, with nothing of the token left over.
    CHECK(text::server_text("x aXaXaXa y", "aXaXa") == "x [redacted] y");
    CHECK(text::server_text(token + token + "!", token) == "[redacted]!");
    // A start of the token cut off by the end of the text or a truncation mark ("..." or U+2026).
    CHECK(text::server_text("Token tok-12345", token) == "Token [redacted]");
    CHECK(text::server_text("Token tok-12345... is invalid", token) == "Token [redacted]... is invalid");
    CHECK(text::server_text("Token tok-12\u2026", token) == "Token [redacted]\u2026");
    // ...and by the bound, with the mark kept within it.
    CHECK(text::server_text("abcdefghijtok-1234567xyz", token, 16) == "abcdefghij...");
    CHECK(text::server_text("abcdetok-1234567xyz", token, 16) == "abcde[redacted]x...");
    CHECK(text::server_text("01234tok-1234567890xyz", token, 16) == "01234[redacted]x...");
    CHECK(text::server_text("abcdefghitok-1234567890xyz", token, 16) == "abcdefghi...");
    // Any 8 bytes of the secret in a row are masked, wherever they are and whatever follows them: a
    // server that echoes the middle of a token, or the start of one that then goes on differently.
    CHECK(text::server_text("echo: -1234567890!", token) == "echo: [redacted]!");
    CHECK(text::server_text("abcdetok-1234567xyz", token) == "abcde[redacted]xyz");
    CHECK(text::server_text("tok-123 and 4567890", token) == "tok-123 and 4567890");  // 7 bytes each: ordinary text
    // Dots kept just before the cut: the start of the secret before them is masked.
    CHECK(text::server_text("ABACABACAB.zz", "ABACABACAB-XYZ", 11) == "[redacted]....");
    // Stepping back before a fragment whose mark does not fit can leave another start of the secret.
    CHECK(text::server_text("0123456789ABCCAABCCzzz", "ABCCAABCA", 19) == "0123456789...");
    // Shorter starts are ordinary text, and so is a start that goes on differently.
    CHECK(text::server_text("tok-1 left", token) == "tok-1 left");
    CHECK(text::server_text("ends with tok", token) == "ends with tok");
    CHECK(text::server_text("tokens: tok-99", token) == "tokens: tok-99");
    // Secrets shorter than 4 bytes are not looked for; several secrets can be given.
    CHECK(text::server_text("abc", "abc") == "abc");
    CHECK(text::server_text("user:pa55word via cHJveHk6cGFzcw==", {token, "pa55word", "cHJveHk6cGFzcw=="}) ==
          "user:[redacted] via [redacted]");
}

TEST_CASE("server_text redacts a secret holding quote or backslash, raw and as JSON spells it") {
    const std::string token = R"(q"b\s/<x>)";
    CHECK(text::server_text(R"(raw q"b\s/<x> end)", token) == "raw [redacted] end");
    CHECK(text::server_text(R"(json q\"b\\s/<x> end)", token) == "json [redacted] end");
    CHECK(text::server_text(R"(php q\"b\\s\/<x> end)", token) == "php [redacted] end");
    CHECK(text::server_text(R"(go q\"b\\s/\u003cx\u003e end)", token) == "go [redacted] end");
    CHECK(text::quote_server_text(R"(say "q"b\s/<x>")", token, 200) == R"("say \"[redacted]\"")");
}

TEST_CASE("server_text escapes what could act on a terminal and keeps printable UTF-8") {
    CHECK(text::server_text("Zeitplan ung\u00fcltig \u65e5\u672c \U0001F600", "") ==
          "Zeitplan ung\u00fcltig \u65e5\u672c \U0001F600");
    CHECK(text::server_text("a\x1b[31mb\x07\r\n\t\x7f", "") == R"(a\x1b[31mb\x07\r\n\t\x7f)");
    CHECK(text::server_text(std::string_view("nul\0!", 5), "") == R"(nul\x00!)");
    // C1 controls as UTF-8 and as raw 8-bit bytes (the 8-bit CSI), and bytes that are not UTF-8.
    CHECK(text::server_text("\u0085\u009b", "") == R"(\u0085\u009b)");
    CHECK(text::server_text("\x9b"
                            "31m\xff\xc3(\xed\xa0\x80\xc0\xaf",
                            "") == R"(\x9b31m\xff\xc3(\xed\xa0\x80\xc0\xaf)");
    // Bidi controls ("Trojan Source") and line/paragraph separators.
    CHECK(text::server_text("a\u202eb\u2066c\u2069d\u200fe\u061cf\u2028g\u2029", "") ==
          R"(a\u202eb\u2066c\u2069d\u200fe\u061cf\u2028g\u2029)");
    // Backslashes and quotes stay as they are outside quotes.
    CHECK(text::server_text(R"(C:\dir "x")", "") == R"(C:\dir "x")");
}

TEST_CASE("server_text bounds the text between characters and marks the cut") {
    CHECK(text::server_text(std::string(5000, 'x'), "") == std::string(1024, 'x') + "...");
    CHECK(text::server_text("abcdef", "", 6) == "abcdef");
    CHECK(text::server_text("abcdefg", "", 6) == "abcdef...");
    CHECK(text::server_text("ab\u00fc", "", 3) == "ab...");  // not half of the two-byte sequence
    CHECK(text::server_text("ab\x1b", "", 4) == "ab...");    // nor half of an escape
    CHECK(text::server_text("x", "", 0) == "...");
    CHECK(text::server_text("", "", 0) == "");
}

TEST_CASE("server_text withholds text where the redacted token would still show") {
    // A secret that is part of the mark itself, or that the mark and the next characters complete.
    CHECK(text::server_text("x dact y", "dact") == "***");
    CHECK(text::server_text("ab d]xy", "d]xy") == "ab [redacted]");
    CHECK(text::server_text("d]xyxy", "d]xy") == "***");
    CHECK(text::quote_server_text("abcd", R"(bcd"x)", 64) == R"("***")");
}

TEST_CASE("quoted text uses the same escaping, with quotes and backslashes escaped") {
    CHECK(text::quote_for_message(R"(say "hi" \o/)") == R"("say \"hi\" \\o/")");
    CHECK(text::quote_for_message("\x1b[2J\u202e\u00fc") == "\"\\x1b[2J\\u202e\u00fc\"");
    CHECK(text::quote_for_message(std::string(100, 'x'), 10) == "\"xxxxxxxxxx...\"");
    CHECK(text::quote_for_message(std::string(100, '"'), 10) == R"("\"\"\"\"\"...")");
}

TEST_CASE("quote_url never shows a URL's userinfo, whatever its shape") {
    CHECK(text::quote_url("http://user:p/ss@host:1") == R"("http://***@host:1")");
    CHECK(text::quote_url("user:pass@host:1") == R"("***@host:1")");
    CHECK(text::quote_url("http://u:p?x#y@host") == R"("http://***@host")");
    CHECK(text::quote_url("http://u:p@ss@host") == R"("http://***@host")");
    CHECK(text::quote_url("user:pa://ss@host:1") == R"("***@host:1")");  // "user:pa" is not a scheme
    CHECK(text::quote_url("//u:p@host") == R"("***@host")");
    CHECK(text::quote_url("http://user:secret@proxy.internal:3128") == R"("http://***@proxy.internal:3128")");
    // Without an '@' nothing can be credentials, and the URL is shown as it is.
    CHECK(text::quote_url("https://api.k6.io/cloud/v6/schedules?$skip=50") ==
          R"("https://api.k6.io/cloud/v6/schedules?$skip=50")");
    // An '@' further on could end a password, so the text before it is hidden too.
    CHECK(text::quote_url("https://api.k6.io/x?by=a@b.c") == R"("https://***@b.c")");
    CHECK(text::quote_url("http://h/\x1b[2J") == R"("http://h/\x1b[2J")");
}

TEST_CASE("a proxy that cannot be used is reported without its credentials") {
    const auto api = text::parse_endpoint("https://api.k6.io").value();
    const auto no_env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    for (const char* proxy : {"http://user:p/ss@host:1", "user:p/ss@host:1", "http://u:p?x#y@host", "ftp://u:p/ss@h",
                              "http://admin:123/abc@proxy"}) {
        CAPTURE(std::string(proxy));
        auto selected = text::select_proxy(api, std::string(proxy), true, no_env);
        CHECK_FALSE(selected.proxy);
        REQUIRE(selected.unusable);
        const std::string& message = selected.unusable->message;
        CHECK(message.find("p/ss") == std::string::npos);
        CHECK(message.find("p?x") == std::string::npos);
        CHECK(message.find("123") == std::string::npos);  // not taken for a port of host "admin"
        CHECK(message.find("***@") != std::string::npos);
    }
}

// The error body decoder (detail/error_body_decoder.hpp): {"error": ErrorApiModel} without a tree.
namespace {

using k6::schedules::detail::ErrorBodyMismatch;

enum class Verdict { model, not_json, not_error_model };

Verdict verdict_of(const std::expected<k6::schedules::detail::DecodedErrorBody, ErrorBodyMismatch>& decoded) {
    if (decoded) return Verdict::model;
    return decoded.error() == ErrorBodyMismatch::not_json ? Verdict::not_json : Verdict::not_error_model;
}

// What the rules say of a whole body, read from the parsed tree: boost::json::parse, then
// from_json<ErrorBody> on the "error" member, as error answers were read before the decoder.
Verdict verdict_from_tree(std::string_view body) {
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec);
    if (ec) return Verdict::not_json;
    const boost::json::value* inner = parsed.is_object() ? parsed.get_object().if_contains("error") : nullptr;
    return inner && from_json<ErrorBody>(*inner) ? Verdict::model : Verdict::not_error_model;
}

std::string numbered_details(int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
        if (i) out += ',';
        out.append(R"({"code": "c)").append(std::to_string(i)).append(R"(", "message": "m"})");
    }
    return out;
}

}  // namespace

TEST_CASE("the error body decoder accepts what from_json<ErrorBody> accepts, row by row, without a tree") {
    struct Row {
        const char* name;
        std::string body;
        Verdict verdict;
    };
    const std::string deep_unknown = std::string(20, '[') + "{\"error\": 1}" + std::string(20, ']');
    const std::string too_deep = std::string(40, '[') + std::string(40, ']');
    const Row table[] = {
        {"code and message", R"({"error": {"code": "c", "message": "m"}})", Verdict::model},
        {"target and details null", R"({"error": {"code": "c", "message": "m", "target": null, "details": null}})",
         Verdict::model},
        {"details with targets", R"({"error": {"code": "c", "message": "m", "details": [{"code": "d", "message": "e",
           "target": "t"}, {"code": "d", "message": "e", "target": null}, {"code": "d", "message": "e"}]}})",
         Verdict::model},
        {"unknown keys at every depth",
         R"({"meta": {"a": [{"error": {"code": 1}}]}, "error": {"code": "c", "x": {"code": 5, "details": 7},
           "message": "m", "details": [{"code": "d", "more": [[{"message": 1}]], "message": "e"}]},
           "trailer": )" + deep_unknown + "}",
         Verdict::model},
        {"a repeated key: the last one counts", R"({"error": {"code": 1, "code": "c", "message": "m"}})",
         Verdict::model},
        {"a repeated details: the last one counts", R"({"error": {"code": "c", "message": "m", "details": [1],
           "details": []}})", Verdict::model},
        {"a repeated error: the last one counts", R"({"error": {"code": "c", "message": "m"}, "error": 5})",
         Verdict::not_error_model},
        {"escapes in strings", R"({"error": {"code": "a\"b\\c", "message": "\u00fc\ud83d\ude00"}})",
         Verdict::model},
        {"code a number", R"({"error": {"code": 400, "message": "m"}})", Verdict::not_error_model},
        {"code missing", R"({"error": {"message": "m"}})", Verdict::not_error_model},
        {"message null", R"({"error": {"code": "c", "message": null}})", Verdict::not_error_model},
        {"message an object", R"({"error": {"code": "c", "message": {"text": "m"}}})", Verdict::not_error_model},
        {"target a number", R"({"error": {"code": "c", "message": "m", "target": 5}})", Verdict::not_error_model},
        {"target an array", R"({"error": {"code": "c", "message": "m", "target": ["t"]}})", Verdict::not_error_model},
        {"details an object", R"({"error": {"code": "c", "message": "m", "details": {}}})", Verdict::not_error_model},
        {"details a string", R"({"error": {"code": "c", "message": "m", "details": "d"}})", Verdict::not_error_model},
        {"a detail not an object", R"({"error": {"code": "c", "message": "m", "details": [1]}})",
         Verdict::not_error_model},
        {"a detail without message", R"({"error": {"code": "c", "message": "m", "details": [{"code": "d"}]}})",
         Verdict::not_error_model},
        {"a detail's target a bool",
         R"({"error": {"code": "c", "message": "m", "details": [{"code": "d", "message": "e", "target": true}]}})",
         Verdict::not_error_model},
        {"a wrong detail after 40 good ones",
         R"({"error": {"code": "c", "message": "m", "details": [)" + numbered_details(40) + R"(, {"code": 1}]}})",
         Verdict::not_error_model},
        {"error an array", R"({"error": [{"code": "c", "message": "m"}]})", Verdict::not_error_model},
        {"error a string", R"({"error": "boom"})", Verdict::not_error_model},
        {"no error member", R"({"detail": "boom"})", Verdict::not_error_model},
        {"the root an array", R"([{"error": {"code": "c", "message": "m"}}])", Verdict::not_error_model},
        {"the root a string", R"("boom")", Verdict::not_error_model},
        {"html", "<html><body>Bad gateway</body></html>", Verdict::not_json},
        {"truncated", R"({"error": {"code": "c", "message": "m"})", Verdict::not_json},
        {"text after the value", R"({"error": {"code": "c", "message": "m"}} and more)", Verdict::not_json},
        {"invalid UTF-8 in a string", "{\"error\": {\"code\": \"c\", \"message\": \"\xff\"}}", Verdict::not_json},
        {"a comment", R"({"error": {"code": "c", "message": "m"}} // x)", Verdict::not_json},
        {"nested deeper than 32", R"({"error": {"code": "c", "message": "m"}, "x": )" + too_deep + "}",
         Verdict::not_json},
    };
    for (const Row& row : table) {
        CAPTURE(std::string(row.name));
        const auto decoded = k6::schedules::detail::decode_error_body(row.body, false);
        CHECK(verdict_of(decoded) == row.verdict);
        CHECK(verdict_from_tree(row.body) == row.verdict);
        if (decoded) CHECK_FALSE(decoded->cut_short);
    }
}

TEST_CASE("the error body decoder keeps the server's text, 32 details, and counts the rest without keeping them") {
    const auto full = k6::schedules::detail::decode_error_body(
        R"({"error": {"code": "a\"b", "message": "Zeitplan ung\u00fcltig", "target": "t", "details": [)" +
            numbered_details(40) + R"(, {"code": "x", "message": "y", "target": "z"}]}})",
        false);
    REQUIRE(full.has_value());
    CHECK(full->error.code == "a\"b");
    CHECK(full->error.message == "Zeitplan ung\u00fcltig");
    CHECK(full->error.target == "t");
    REQUIRE(full->error.details.size() == k6::schedules::detail::max_error_details);
    CHECK(full->error.details[0] == ErrorDetails{"c0", "m", std::nullopt});
    CHECK(full->error.details[31] == ErrorDetails{"c31", "m", std::nullopt});
    CHECK(full->details_left_out == 9);
    CHECK_FALSE(full->cut_short);

    const auto few = k6::schedules::detail::decode_error_body(
        R"({"error": {"code": "c", "message": "m", "details": [{"code": "d", "message": "e", "target": "t"},
            {"code": "d2", "message": "e2", "target": null}]}})",
        false);
    REQUIRE(few.has_value());
    CHECK_FALSE(few->error.target.has_value());
    REQUIRE(few->error.details.size() == 2);
    CHECK(few->error.details[0] == ErrorDetails{"d", "e", "t"});
    CHECK(few->error.details[1] == ErrorDetails{"d2", "e2", std::nullopt});
    CHECK(few->details_left_out == 0);
}

TEST_CASE("the error body decoder reads a cut body as far as it is whole") {
    using k6::schedules::detail::decode_error_body;
    const std::string start = R"({"error": {"code": "c", "message": "m", "target": "t", "details": [)";
    // Cut inside the third detail: two are kept, the one cut off is neither kept nor counted.
    const auto cut = decode_error_body(start + numbered_details(2) + R"(, {"code": "c2", "mess)", true);
    REQUIRE(cut.has_value());
    CHECK(cut->error.code == "c");
    CHECK(cut->error.message == "m");
    CHECK(cut->error.target == "t");
    CHECK(cut->error.details.size() == 2);
    CHECK(cut->details_left_out == 0);
    CHECK(cut->cut_short);
    // Past 32 details, the rest read before the cut are counted.
    const auto many = decode_error_body(start + numbered_details(45) + ",", true);
    REQUIRE(many.has_value());
    CHECK(many->error.details.size() == 32);
    CHECK(many->details_left_out == 13);
    CHECK(many->cut_short);
    // Cut after the error object ended: nothing of the model is missing.
    const auto after = decode_error_body(R"({"error": {"code": "c", "message": "m"}, "trace": "xxxxxxx)", true);
    REQUIRE(after.has_value());
    CHECK_FALSE(after->cut_short);
    // Cut inside the message, or before it: no model. Not the start of JSON: not JSON.
    CHECK(verdict_of(decode_error_body(R"({"error": {"code": "c", "message": "m is cut)", true)) ==
          Verdict::not_error_model);
    CHECK(verdict_of(decode_error_body(R"({"error": {"code": "c", "details": [)", true)) == Verdict::not_error_model);
    CHECK(verdict_of(decode_error_body(R"({"error": {"code": "c", "message": 1, "details": [)", true)) ==
          Verdict::not_error_model);
    CHECK(verdict_of(decode_error_body(R"({"error": {"code": "c", "message": "m", "details": [1, )", true)) ==
          Verdict::not_error_model);
    CHECK(verdict_of(decode_error_body(R"({"error": x)", true)) == Verdict::not_json);
    CHECK(verdict_of(decode_error_body("<html><body>", true)) == Verdict::not_json);
}
