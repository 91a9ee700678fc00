// SPDX-License-Identifier: BSL-1.0
// FakeApi (k6/schedules/testing.hpp), compiled into k6::schedules_testing: the emulator behind a
// loopback server, with scripted failures, route overrides and a record of every request.
#include <k6/schedules/testing.hpp>

#include <k6/schedules/redactor.hpp>
#include <k6/schedules/testing/detail/emulator.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <deque>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <utility>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing {

namespace {

// One CA and one server certificate for every FakeApi of the process: making them costs a few
// milliseconds each, and a test suite makes a FakeApi per test case. Nothing is written to disk.
struct ProcessCertificates {
    loopback::KeyAndCert ca = loopback::make_ca("k6::schedules::testing::FakeApi CA");
    loopback::KeyAndCert server = loopback::make_leaf(ca, "127.0.0.1", {"IP:127.0.0.1", "DNS:localhost"});
};

const ProcessCertificates& process_certificates() {
    static const ProcessCertificates certificates;
    return certificates;
}

// The API's error code for a status, as the service names them.
std::string error_code_of(unsigned status) {
    switch (status) {
        case 400: return "validation_error";
        case 401: return "unauthenticated";
        case 403: return "permission_denied";
        case 404: return "not_found";
        case 405: return "method_not_allowed";
        case 409: return "conflict";
        case 429: return "too_many_requests";
        case 500: return "internal_error";
        case 502: return "bad_gateway";
        case 503: return "service_unavailable";
        case 504: return "gateway_timeout";
        default: return "error";
    }
}

loopback::Response scripted_error(unsigned status, std::string message) {
    loopback::Response response;
    response.status = status;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = boost::json::serialize(boost::json::object{
        {"error", boost::json::object{{"code", error_code_of(status)}, {"message", std::move(message)}}}});
    return response;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

// One entry of the failure script: applied to the next `remaining` requests.
struct FakeApiScript {
    enum class Kind { fail, throttle, delay, reset } kind;
    unsigned status = 0;
    std::string retry_after;
    std::chrono::milliseconds delay{0};
    std::size_t remaining = 0;
};

// Shared with the server's handler, so that a server draining on the caller's executor never
// outlives what it answers with.
struct FakeApiCore {
    explicit FakeApiCore(const FakeApiOptions& options) : options(options), redactor{options.token} {}

    FakeApiOptions options;
    Redactor redactor;
    mutable std::mutex mutex;  // guards the members below; never held while the emulator or a route answers
    std::optional<Timestamp> now;
    std::deque<FakeApiScript> scripts;
    std::vector<std::tuple<std::string, std::string, std::shared_ptr<RouteHandler>>> routes;
    std::vector<loopback::Request> requests;
    std::optional<detail::Emulator> emulator;

    Timestamp clock() const {
        std::lock_guard lock(mutex);
        if (now) return *now;
        return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    }

    loopback::Request redacted(const loopback::Request& request) const {
        loopback::Request copy = request;
        copy.target = redactor.redact(copy.target);
        for (auto& [name, value] : copy.headers) value = redactor.redact(value);
        copy.body = redactor.redact(copy.body);
        return copy;
    }

    loopback::Response handle(const loopback::Request& request) {
        std::optional<FakeApiScript> script;
        std::shared_ptr<RouteHandler> route;
        {
            std::lock_guard lock(mutex);
            requests.push_back(redacted(request));
            if (!scripts.empty()) {
                script = scripts.front();
                if (--scripts.front().remaining == 0) scripts.pop_front();
            }
            const auto path = path_of(request.target);
            for (const auto& [method, route_path, handler] : routes)
                if (method == request.method && route_path == path) route = handler;
        }
        if (script) {
            switch (script->kind) {
                case FakeApiScript::Kind::fail:
                    return scripted_error(script->status, "Scripted failure (FakeApi::fail_next).");
                case FakeApiScript::Kind::throttle: {
                    auto response = scripted_error(429, "Request was throttled (FakeApi::throttle_next).");
                    response.headers.emplace_back("Retry-After", script->retry_after);
                    return response;
                }
                case FakeApiScript::Kind::reset: {
                    loopback::Response response;
                    response.reset_before_response = true;
                    return response;
                }
                case FakeApiScript::Kind::delay: break;  // answered below, later
            }
        }
        loopback::Response response = route ? (*route)(request) : emulator->handle(request);
        if (script) response.delay += script->delay;
        return response;
    }
};

struct FakeApi::State {
    State(const FakeApiOptions& options, const boost::asio::any_io_executor* executor);

    std::shared_ptr<FakeApiCore> core;
    std::optional<loopback::HttpServer> server;  // after the core: stopped before it goes
    std::string url, ca_pem;
};

FakeApi::State::State(const FakeApiOptions& options, const boost::asio::any_io_executor* executor) {
    if (options.token.empty()) throw std::invalid_argument("FakeApi: the token is empty");
    if (options.stack_id < 1) throw std::invalid_argument("FakeApi: the stack id must be positive");
    core = std::make_shared<FakeApiCore>(options);
    core->now = options.now;

    detail::EmulatorOptions emulator;
    emulator.token = options.token;
    emulator.stack_id = options.stack_id;
    emulator.stack_url = options.stack_url;
    emulator.default_project_id = options.default_project_id;
    for (std::int64_t id = 1; id <= options.load_tests; ++id) emulator.load_tests.insert(emulator.load_tests.end(), id);
    emulator.tls = options.tls;
    emulator.now = [raw = core.get()] { return raw->clock(); };  // the core owns the emulator
    emulator.created_by = options.created_by;
    emulator.faults = options.faults;
    core->emulator.emplace(std::move(emulator));

    loopback::ServerOptions server_options;
    server_options.tls = options.tls;
    if (options.tls) {
        const auto& certificates = process_certificates();
        server_options.cert_pem = certificates.server.cert_pem;
        server_options.key_pem = certificates.server.key_pem;
        ca_pem = certificates.ca.cert_pem;
    }
    server.emplace(server_options, [core = core](const loopback::Request& request) { return core->handle(request); });
    if (executor)
        server->start(*executor);
    else
        server->start();
    url = server->url();
}

FakeApi::FakeApi(FakeApiOptions options) : state_(std::make_unique<State>(options, nullptr)) {}

FakeApi::FakeApi(boost::asio::any_io_executor executor, FakeApiOptions options)
    : state_(std::make_unique<State>(options, &executor)) {}

FakeApi::~FakeApi() = default;

ClientOptions FakeApi::client_options() const {
    ClientOptions options;
    options.api_url = state_->url;
    options.token = state_->core->options.token;
    options.stack_id = state_->core->options.stack_id;
    if (!state_->ca_pem.empty()) {
        auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
        context->add_certificate_authority(boost::asio::buffer(state_->ca_pem));
        options.tls_context = std::move(context);
    }
    return options;
}

const std::string& FakeApi::url() const { return state_->url; }
const std::string& FakeApi::token() const { return state_->core->options.token; }
const std::string& FakeApi::ca_pem() const { return state_->ca_pem; }

Schedule FakeApi::add_schedule(LoadTestId load_test, const CreateScheduleRequest& request, bool deactivated) {
    auto added = state_->core->emulator->add_schedule(load_test, request, deactivated);
    if (!added) throw std::invalid_argument("FakeApi::add_schedule: " + added.error().message);
    return std::move(*added);
}

std::vector<Schedule> FakeApi::schedules() const { return state_->core->emulator->schedules(); }

void FakeApi::set_now(Timestamp now) {
    std::lock_guard lock(state_->core->mutex);
    state_->core->now = now;
}

namespace {
void push(FakeApiCore& core, FakeApiScript script) {
    if (script.remaining == 0) return;
    std::lock_guard lock(core.mutex);
    core.scripts.push_back(std::move(script));
}
}  // namespace

void FakeApi::fail_next(unsigned status, std::size_t count) {
    if (status < 100 || status > 999) throw std::invalid_argument("FakeApi::fail_next: a status is 100 to 999");
    push(*state_->core, {FakeApiScript::Kind::fail, status, {}, {}, count});
}

void FakeApi::throttle_next(std::string retry_after, std::size_t count) {
    push(*state_->core, {FakeApiScript::Kind::throttle, 429, std::move(retry_after), {}, count});
}

void FakeApi::delay_next(std::chrono::milliseconds delay, std::size_t count) {
    push(*state_->core, {FakeApiScript::Kind::delay, 0, {}, delay, count});
}

void FakeApi::reset_next(std::size_t count) { push(*state_->core, {FakeApiScript::Kind::reset, 0, {}, {}, count}); }

void FakeApi::set_faults(const Faults& faults) { state_->core->emulator->set_faults(faults); }

FaultCounts FakeApi::fault_counts() const { return state_->core->emulator->fault_counts(); }

void FakeApi::on(std::string method, std::string path, RouteHandler handler) {
    if (!handler) throw std::invalid_argument("FakeApi::on: the handler is empty");
    auto shared = std::make_shared<RouteHandler>(std::move(handler));
    std::lock_guard lock(state_->core->mutex);
    auto& routes = state_->core->routes;
    std::erase_if(routes, [&](const auto& route) { return std::get<0>(route) == method && std::get<1>(route) == path; });
    routes.emplace_back(std::move(method), std::move(path), std::move(shared));
}

void FakeApi::clear_routes() {
    std::lock_guard lock(state_->core->mutex);
    state_->core->routes.clear();
}

std::vector<loopback::Request> FakeApi::requests() const {
    std::lock_guard lock(state_->core->mutex);
    return state_->core->requests;
}

void FakeApi::clear_requests() {
    std::lock_guard lock(state_->core->mutex);
    state_->core->requests.clear();
}

}  // namespace testing
K6_SCHEDULES_END_NAMESPACE
