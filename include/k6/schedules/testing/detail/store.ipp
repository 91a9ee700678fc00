// SPDX-License-Identifier: BSL-1.0
#include <k6/schedules/testing/detail/store.hpp>

#include <k6/schedules/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing::detail {

namespace json = boost::json;
namespace k6s = k6::schedules;

namespace {

constexpr std::string_view format_name = "k6-schedules-emulator/1";

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
    throw std::runtime_error("data file " + path.string() + ": " + what);
}

void write_all(int fd, const std::string& text, const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(path, std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::optional<Snapshot> load_snapshot(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(path)) return std::nullopt;
        fail(path, "cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    const json::value doc = json::parse(text.str(), ec);
    if (ec) fail(path, "not JSON (" + ec.message() + ")");
    const auto* root = doc.if_object();
    if (!root || !root->contains("format") || root->at("format") != json::value(format_name))
        fail(path, "not a data file of this emulator (format " + std::string(format_name) + ")");
    Snapshot snapshot;
    const auto* next_id = root->if_contains("next_id");
    const auto* list = root->if_contains("schedules");
    if (!next_id || !next_id->is_int64() || next_id->get_int64() < 1 || !list || !list->is_array())
        fail(path, "next_id or schedules is missing or of the wrong type");
    snapshot.next_id = next_id->get_int64();
    for (const auto& item : list->get_array()) {
        const auto* o = item.if_object();
        if (!o || !o->contains("id") || !o->contains("load_test_id") || !o->contains("request") ||
            !o->at("id").is_int64() || !o->at("load_test_id").is_int64() || !o->contains("deactivated") ||
            !o->at("deactivated").is_bool())
            fail(path, "a schedule entry is malformed");
        auto request = k6s::from_json<k6s::CreateScheduleRequest>(o->at("request"));
        if (!request) fail(path, "schedule " + json::serialize(o->at("id")) + ": " + request.error().message);
        snapshot.schedules.push_back({k6s::ScheduleId{o->at("id").get_int64()},
                                      k6s::LoadTestId{o->at("load_test_id").get_int64()}, std::move(*request),
                                      o->at("deactivated").get_bool()});
    }
    return snapshot;
}

void save_snapshot(const std::filesystem::path& path, const Snapshot& snapshot) {
    json::array list;
    for (const auto& s : snapshot.schedules)
        list.push_back(json::object{{"id", s.id.value},
                                    {"load_test_id", s.load_test_id.value},
                                    {"deactivated", s.deactivated},
                                    {"request", json::value_from(s.request)}});
    const std::string text =
        json::serialize(
            json::object{{"format", format_name}, {"next_id", snapshot.next_id}, {"schedules", std::move(list)}}) +
        "\n";

    const std::filesystem::path temporary = path.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail(path, std::string("cannot write: ") + std::strerror(errno));
    try {
        write_all(fd, text, path);
        if (::fsync(fd) != 0) fail(path, std::string("fsync: ") + std::strerror(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(temporary.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        fail(path, "rename: " + reason);
    }
    // The rename itself must reach the disk too.
    const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

}  // namespace testing::detail
K6_SCHEDULES_END_NAMESPACE
