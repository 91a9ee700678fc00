// SPDX-License-Identifier: BSL-1.0
// Redactor: the client's secrets masked in text, the way the client masks them in every error and
// observer event it hands out; for your own logs of what the server sent.
#ifndef K6_SCHEDULES_REDACTOR_HPP
#define K6_SCHEDULES_REDACTOR_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/text.hpp>

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

/// @file
/// Redactor: secrets masked in text, as the client masks its token everywhere.

K6_SCHEDULES_BEGIN_NAMESPACE

/// Masks secrets (an API token, a proxy's password) in text. Each secret is looked for in the
/// forms a server may send it back in: whole, as a JSON string spells it, a start of it cut off by
/// the end of the text or a truncation mark ("..."), and any 8 bytes of it in a row; each is
/// replaced by "[redacted]". Secrets shorter than 4 bytes are not looked for (they cannot be told
/// apart from ordinary words).
///
/// A client has one for its token and proxy credentials, and every ApiError an operation completes
/// with, and everything an AttemptObserver is shown, has been through it. What the server sends as
/// data (a schedule's `created_by`, say) is handed over as it came; a Redactor made with the same
/// token masks it in your own output, as the command-line tool does with everything it writes.
/// Built once (it prepares its look-ups); its const members may be called from several threads.
class Redactor {
public:
    /// A redactor that masks nothing.
    Redactor() = default;
    /// A redactor for @p secrets (the strings are copied).
    explicit Redactor(std::span<const std::string_view> secrets) : secrets_(secrets) {}
    /// A redactor for @p secrets (the strings are copied).
    Redactor(std::initializer_list<std::string_view> secrets)
        : secrets_(std::span<const std::string_view>(secrets.begin(), secrets.size())) {}

    /// @p text with every secret, in every form described above, replaced by "[redacted]", and
    /// nothing else changed; "***" in the rare case where the replacement and its neighbours could
    /// still spell a secret.
    std::string redact(std::string_view text) const { return detail::text_impl::redact(text, secrets_); }

    /// Whether @p text shows a secret in any of the forms redact() masks.
    bool reveals(std::string_view text) const { return detail::text_impl::shows_secret(text, secrets_); }

    /// @cond internal
    // Server text as it may appear in an ApiError: masked, bounded to max_bytes, one printable line.
    std::string text(std::string_view raw, std::size_t max_bytes = detail::server_text_max_bytes) const {
        return detail::text_impl::render(raw, secrets_, max_bytes, false);
    }
    // The same, in double quotes.
    std::string quoted(std::string_view raw, std::size_t max_bytes) const {
        return detail::text_impl::quoted(raw, secrets_, max_bytes);
    }
    /// @endcond

private:
    detail::text_impl::SecretSet secrets_;
};

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_REDACTOR_HPP
