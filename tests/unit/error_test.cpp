// ApiError, errc and the status table (k6/schedules/error.hpp).
#include <k6/schedules.hpp>

#include <doctest/doctest.h>

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

TEST_CASE("ApiError prints as the design says") {
    ApiError api;
    api.kind = ErrorKind::api;
    api.status = 404;
    api.code = "not_found";
    api.message = "Schedule not found.";
    CHECK(api.to_string() == "HTTP 404 not_found: Schedule not found.");
    api.target = "id";
    CHECK(api.to_string() == "HTTP 404 not_found: Schedule not found. (target: id)");
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
