// SPDX-License-Identifier: BSL-1.0
// Files under tests/data/, found through the K6_TEST_DATA_DIR definition set by CMake.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace k6::test {

inline std::string read_data_file(const std::string& name) {
    std::ifstream in(std::string(K6_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open test data file " + name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// tests/data/spec_examples.json: every example of the OpenAPI description's `schedules` tag.
inline const boost::json::object& spec_examples() {
    static const boost::json::value examples = boost::json::parse(read_data_file("spec_examples.json"));
    return examples.as_object();
}

}  // namespace k6::test
