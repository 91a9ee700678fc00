// SPDX-License-Identifier: BSL-1.0
// Run-time generation of a throw-away CA and server certificates for tests and the local emulator.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace k6::emulator {

struct KeyAndCert {
    std::string key_pem;  // PKCS#8 "PRIVATE KEY"
    std::string cert_pem;
};

// Self-signed CA: EC P-256 key, basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign,
// subjectKeyIdentifier, random 128-bit serial, valid from now-1h to now+30 days, SHA-256.
KeyAndCert make_ca(std::string_view common_name);

// Server leaf signed by `ca`: EC P-256, CA:FALSE, keyUsage digitalSignature, extendedKeyUsage serverAuth,
// subjectAltName from `subject_alt_names` entries written like "DNS:localhost" or "IP:127.0.0.1",
// authorityKeyIdentifier.
KeyAndCert make_leaf(const KeyAndCert& ca, std::string_view common_name,
                     const std::vector<std::string>& subject_alt_names);

// Writes text to a file with permissions 0600 (keys) — atomically (write temp + rename).
void write_file(const std::filesystem::path& path, std::string_view text);

}  // namespace k6::emulator
