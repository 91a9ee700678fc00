// Builds against the installed headers and runs one operation to a closed port: the library,
// its dependencies and the exported target all work together.
#include <k6/schedules.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
    namespace k6s = k6::schedules;
    k6s::ClientOptions options;
    options.api_url = "http://127.0.0.1:9";  // discard port: nothing listens there
    options.token = "consumer-token";
    options.stack_id = 1;
    boost::asio::io_context io;
    k6s::Client client(io, options);
    int status = 1;
    client.async_get_schedule(k6s::ScheduleId{1}, [&status](k6s::expected<k6s::Schedule> result) {
        std::cout << "k6-schedules-cpp " << k6s::version << ": "
                  << (result ? "unexpected success" : result.error().to_string()) << "\n";
        status = !result && result.error().kind == k6s::ErrorKind::transport ? 0 : 1;
    });
    io.run();
    return status;
}
