// SPDX-License-Identifier: BSL-1.0
// Precompiled for the test targets: the heavy third-party headers every test file pulls in.
// Only third-party headers here, so the include/ and single_include/ suites can share it.
#pragma once

#include <doctest/doctest.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <vector>
