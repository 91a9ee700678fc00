// SPDX-License-Identifier: BSL-1.0
// A schedules-as-code document is text a user (or a CI job) hands to `plan` and `apply`: whatever
// it holds, parse_schedule_document must not crash or hang, and must refuse with its own message
// or accept. What it accepts must write (write_schedule_document) to a document that reads back to
// schedules that run the same way, plans against the original as no change, and writes the same
// text again.
#include <k6/schedules/plan.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace k6s = k6::schedules;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto read = k6s::parse_schedule_document(text);
    if (!read) {
        if (read.error().kind != k6s::ErrorKind::invalid_argument) __builtin_trap();
        if (!read.error().message.starts_with("schedule document: ")) __builtin_trap();
        return 0;
    }
    const std::string written = k6s::write_schedule_document(*read);
    const auto again = k6s::parse_schedule_document(written);
    if (!again || again->size() != read->size()) __builtin_trap();
    // The written document is the same schedules: as the API would list them, nothing to change.
    std::vector<k6s::Schedule> listed;
    for (std::size_t i = 0; i < read->size(); ++i) {
        const k6s::DesiredSchedule& entry = (*read)[i];
        listed.push_back({k6s::ScheduleId{static_cast<std::int64_t>(i) + 1}, entry.load_test_id, entry.request.starts,
                          entry.request.recurrence_rule, entry.request.cron, entry.deactivated,
                          entry.request.starts, std::nullopt});
    }
    if (!k6s::plan_changes(*again, listed).empty()) __builtin_trap();
    if (k6s::write_schedule_document(*again) != written) __builtin_trap();
    return 0;
}
