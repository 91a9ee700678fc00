// SPDX-License-Identifier: BSL-1.0
// The emulator's data file (--data FILE): every schedule and the next id, rewritten atomically
// after each change (temporary file, fsync, rename, fsync of the directory), so a crash or a
// restart loses nothing that was acknowledged.
#pragma once

#include <k6/schedules/model.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace testing::detail {

struct StoredSchedule {
    schedules::ScheduleId id;
    schedules::LoadTestId load_test_id;
    schedules::CreateScheduleRequest request;
    bool deactivated = false;
};

struct Snapshot {
    std::int64_t next_id = 1;
    std::vector<StoredSchedule> schedules;
};

// nullopt when the file does not exist; throws std::runtime_error, naming the problem, when it
// cannot be read or is not a data file of this emulator.
std::optional<Snapshot> load_snapshot(const std::filesystem::path& path);

// Throws std::runtime_error when the file cannot be written; the previous file is then intact.
void save_snapshot(const std::filesystem::path& path, const Snapshot& snapshot);

}  // namespace testing::detail
K6_SCHEDULES_END_NAMESPACE
