// SPDX-License-Identifier: BSL-1.0
// Which request fetches the next page of a listing: the first one from the ListQuery, later ones
// from @nextLink, and never one that leaves the API origin or the API URL's path, goes round in a
// circle, or keeps fetching empty pages. Sans-io: tested without sockets.
#ifndef K6_SCHEDULES_DETAIL_PAGE_CURSOR_HPP
#define K6_SCHEDULES_DETAIL_PAGE_CURSOR_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/detail/request_spec.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// A link from the server is a malformed answer; a link the caller resumes from is a bad argument.
inline std::unexpected<ApiError> bad_next_link(std::string why, std::string_view link,
                                               ErrorKind kind = ErrorKind::malformed_response) {
    // quote_url() hides the credentials of "scheme://user:pw@host"; a network-path reference
    // ("//user:pw@host") carries them the same way.
    std::string shown(link);
    if (shown.starts_with("//")) {
        const auto authority_end = shown.find_first_of("/?#", 2);
        const auto at = shown.rfind('@', authority_end == std::string::npos ? shown.size() : authority_end);
        if (at != std::string::npos && at >= 2) shown.replace(2, at - 2, "***");
    }
    return fail(kind, errc::bad_next_link, "refused to follow @nextLink " + quote_url(shown) + ": " + std::move(why),
                "@nextLink");
}

// RFC 3986 §6.2.2 normalisation of an encoded path, done here rather than by Boost.URL because
// Boost.URL's normalize_path() (which its resolve() also applies) differs between releases: 1.81
// decodes "%2F" into a segment separator and keeps a leading "/..". The prefix check below must not
// depend on which release the library is built with.
namespace uri {

constexpr bool is_unreserved(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

constexpr int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "%2e%2E" -> "..", "%7e" -> "~", "%2f" -> "%2F": percent-encoded unreserved characters decoded
// (so an encoded dot segment is recognised as one), the other triplets upper-cased.
inline std::string normalize_percent_encoding(std::string_view path) {
    std::string out;
    out.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        const int high = path[i] == '%' && i + 2 < path.size() ? hex_digit(path[i + 1]) : -1;
        const int low = high >= 0 ? hex_digit(path[i + 2]) : -1;
        if (low < 0) {
            out.push_back(path[i]);
            continue;
        }
        const char decoded = static_cast<char>(high * 16 + low);
        if (is_unreserved(decoded)) {
            out.push_back(decoded);
        } else {
            out.push_back('%');
            constexpr char digits[] = "0123456789ABCDEF";
            out.push_back(digits[high]);
            out.push_back(digits[low]);
        }
        i += 2;
    }
    return out;
}

// RFC 3986 §5.2.4, literally: "/a/b/../c/./d" -> "/a/c/d", "/../x" -> "/x".
inline std::string remove_dot_segments(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    const auto drop_last_segment = [&out] {
        const auto slash = out.rfind('/');
        out.erase(slash == std::string::npos ? 0 : slash);
    };
    while (!in.empty()) {
        if (in.starts_with("../")) {
            in.remove_prefix(3);
        } else if (in.starts_with("./")) {
            in.remove_prefix(2);
        } else if (in.starts_with("/./")) {
            in.remove_prefix(2);
        } else if (in == "/.") {
            in = "/";
        } else if (in.starts_with("/../")) {
            in.remove_prefix(3);
            drop_last_segment();
        } else if (in == "/..") {
            in = "/";
            drop_last_segment();
        } else if (in == "." || in == "..") {
            in = {};
        } else {
            const auto end = in.find('/', 1);
            const auto segment = in.substr(0, end);
            out.append(segment);
            in.remove_prefix(segment.size());
        }
    }
    return out;
}

inline std::string normalize_path(std::string_view path) {
    return remove_dot_segments(normalize_percent_encoding(path));
}

}  // namespace uri

// The API URL's path in the same normal form, without a trailing slash: "" for "https://api.k6.io".
inline std::string normalized_base_path(const Endpoint& api) {
    std::string base = uri::normalize_path(api.base_path);
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
}

// `path` is the base path itself or below it; "/k6evil" is not below "/k6".
inline bool is_under(std::string_view path, std::string_view base) noexcept {
    return base.empty() || path == base || (path.starts_with(base) && path[base.size()] == '/');
}

inline std::string origin_of(const Endpoint& api) { return (api.tls ? "https://" : "http://") + api.host_header; }

// The URL a relative link is resolved against: the page that carried it (its request target on the
// API origin), or, for a link the caller resumes from, the API URL itself.
struct LinkBase {
    std::string path;  // encoded, starts with '/'
    std::optional<std::string> query;

    static LinkBase of(const Endpoint& api, std::optional<std::string_view> page_target) {
        if (!page_target) return {api.base_path + "/", std::nullopt};
        const auto question = page_target->find('?');
        if (question == std::string_view::npos) return {std::string(*page_target), std::nullopt};
        return {std::string(page_target->substr(0, question)), std::string(page_target->substr(question + 1))};
    }
};

// RFC 3986 §5.2.2 for a reference without scheme and authority: the path merged with the base's,
// then normalised; the query is the reference's (or, for an empty path, the base's if it has none).
inline std::pair<std::string, std::optional<std::string>> resolve_relative(const boost::urls::url_view& reference,
                                                                           const LinkBase& base) {
    const std::string_view path = reference.encoded_path();
    std::optional<std::string> query;
    if (reference.has_query()) query = std::string(reference.encoded_query());
    if (path.empty()) return {uri::normalize_path(base.path), query ? query : base.query};
    if (path.starts_with('/')) return {uri::normalize_path(path), query};
    const std::string merged = base.path.substr(0, base.path.rfind('/') + 1) + std::string(path);
    return {uri::normalize_path(merged), query};
}

// The request an @nextLink asks for. The bearer token goes with it, so it must lead to the API URL:
// an absolute (or network-path) link must have the API's scheme, host and port, and every link's
// path, once resolved and normalised, must be the API URL's path or below it, so that neither
// "/k6/../elsewhere", "/k6/%2e%2e/elsewhere" nor "/k6evil" escapes api_url = https://gw/k6. A
// relative link is resolved against `page_target`, the request target of the page that carried it
// (RFC 3986 §5), or against the API URL when there is none (a link the caller resumes from).
//
// The target sent is the normalised path (dot segments removed, percent-encoded unreserved
// characters decoded, other triplets upper-cased: the same resource by RFC 3986 §6.2.2) and the
// query exactly as written. Sending the form that was checked leaves a gateway no room to read the
// path differently from the check. The query does not decide where the request goes, and it is the
// server's own cursor, which a server may compare or sign byte for byte, so it is left alone.
inline expected<RequestSpec> next_link_request(const Endpoint& api, std::string_view link,
                                               std::optional<std::string_view> page_target = std::nullopt,
                                               ErrorKind kind = ErrorKind::malformed_response) {
    if (link.empty()) return bad_next_link("it is empty", link, kind);
    auto reference = boost::urls::parse_uri_reference(boost::urls::string_view(link.data(), link.size()));
    if (!reference) return bad_next_link("not a URI reference", link, kind);
    std::string path;
    std::optional<std::string> query;
    if (reference->has_scheme() || reference->has_authority()) {
        boost::urls::url absolute(*reference);
        if (!absolute.has_scheme()) absolute.set_scheme(api.tls ? "https" : "http");  // "//host/path"
        auto origin = parse_origin(absolute);
        if (!origin) return bad_next_link(origin.error(), link, kind);
        if (!api.same_origin(origin->tls, origin->host, origin->port))
            return bad_next_link(
                "it points away from the API origin " + origin_of(api) + " (the token is only ever sent there)", link,
                kind);
        path = uri::normalize_path(reference->encoded_path());
        if (reference->has_query()) query = std::string(reference->encoded_query());
    } else {
        std::tie(path, query) = resolve_relative(*reference, LinkBase::of(api, page_target));
    }
    if (path.empty()) path = "/";
    if (path.front() != '/') return bad_next_link("its path is not absolute", link, kind);  // never a request target
    const std::string base = normalized_base_path(api);
    if (!is_under(path, base))
        return bad_next_link("its path " + quote_for_message(path, 200) + " is outside the API URL's path " +
                                 quote_for_message(base, 200) + " (the token is only ever sent there)",
                             link, kind);
    RequestSpec spec;
    spec.method = http::verb::get;
    spec.target = std::move(path);
    if (query) spec.target += "?" + *query;
    spec.target_is_absolute = true;
    spec.operation = "list_schedules";
    return spec;
}

// The link as an absolute URL, for Pager::next_link(): a relative one resolved against its page, so
// that Client::resume_listing() (which resolves against the API URL) continues at the same page.
inline std::string absolute_link(const Endpoint& api, const std::string& link,
                                 std::optional<std::string_view> page_target) {
    auto reference = boost::urls::parse_uri_reference(boost::urls::string_view(link.data(), link.size()));
    if (!reference || reference->has_scheme()) return link;
    if (reference->has_authority()) return (api.tls ? "https:" : "http:") + link;
    auto [path, query] = resolve_relative(*reference, LinkBase::of(api, page_target));
    return origin_of(api) + (path.empty() ? "/" : path) + (query ? "?" + *query : "");
}

class PageCursor {
public:
    // `max_empty_pages`: PagerOptions::max_empty_pages.
    static PageCursor from_query(const ListQuery& query, std::size_t max_empty_pages) {
        PageCursor cursor(max_empty_pages);
        cursor.query_ = query;
        return cursor;
    }

    // Continues a listing from a link saved from next_link().
    static PageCursor from_link(std::string link, std::size_t max_empty_pages) {
        PageCursor cursor(max_empty_pages);
        cursor.link_ = std::move(link);
        cursor.resumed_ = true;
        return cursor;
    }

    // The request for the next page; nullopt once the listing is over; an error when the next link
    // must not be followed (the listing is over then too). Nothing is consumed: until on_page() or
    // on_failure() records how the request went, asking again gives the same request, so a fetch that
    // was cancelled is simply made again.
    std::optional<expected<RequestSpec>> next_request(const Endpoint& api) {
        if (state_ != State::active) return std::nullopt;
        // A link the caller resumed from has not come from the server (yet).
        const ErrorKind kind = resumed_ ? ErrorKind::invalid_argument : ErrorKind::malformed_response;
        expected<RequestSpec> spec =
            query_
                ? expected<RequestSpec>(list_schedules_request(*query_))
                : next_link_request(api, *link_,
                                    page_target_ ? std::optional<std::string_view>(*page_target_) : std::nullopt, kind);
        if (spec && spec->refused) spec = std::unexpected(std::move(*spec->refused));
        if (spec) {
            std::string target = spec->request_target(api);
            if (seen_before(target))
                spec =
                    bad_next_link("it was followed before, so the listing would go round in a circle forever", *link_);
            else if (empty_pages_ > 0 && empty_pages_ >= max_empty_pages_)
                spec = fail(
                    ErrorKind::malformed_response, errc::bad_next_link,
                    std::to_string(empty_pages_) + (empty_pages_ == 1 ? " empty page" : " empty pages") +
                        " in a row, each with a @nextLink: the listing makes no progress, so " + quote_url(*link_) +
                        " is not followed (PagerOptions::max_empty_pages = " + std::to_string(max_empty_pages_) + ")",
                    "@nextLink");
            else
                requested_ = std::move(target);
        }
        if (!spec) state_ = State::refused;
        return spec;
    }

    // Records the page that answered the last request.
    void on_page(const SchedulePage& page) {
        query_.reset();
        resumed_ = false;
        if (page.count) total_count_ = page.count;
        if (requested_) {
            remember(*requested_);
            page_target_ = std::move(requested_);
            requested_.reset();
        }
        empty_pages_ = page.items.empty() ? empty_pages_ + 1 : 0;
        link_ = page.next_link;
        if (!link_ || link_->empty()) {  // "" would resolve to the page itself: it ends the listing too
            link_.reset();
            state_ = State::ended;
        }
    }

    // The last request failed. A cancelled one is made again on the next call (the caller stopped
    // waiting; the listing itself is fine); any other failure ends the listing, with next_link()
    // still naming the page that failed so that the caller can retry it later.
    void on_failure(const ApiError& error) {
        requested_.reset();
        if (state_ != State::active || error.kind == ErrorKind::cancelled) return;
        state_ = State::failed;
    }

    bool finished() const noexcept { return state_ != State::active; }
    std::optional<std::int64_t> total_count() const noexcept { return total_count_; }

    // Where the listing continues, as an absolute URL to save and pass to Client::resume_listing():
    // the link of the next page not yet delivered, also after a fetch of it failed. Empty before the
    // first page of a query, after the last page and after a link was refused.
    std::optional<std::string> next_link(const Endpoint& api) const {
        if (query_ || !link_ || state_ == State::ended || state_ == State::refused) return std::nullopt;
        return absolute_link(api, *link_, page_target_ ? std::optional<std::string_view>(*page_target_) : std::nullopt);
    }

private:
    enum class State {
        active,   // more pages to fetch
        ended,    // the last page was seen
        failed,   // a fetch failed; link_ is the page it was for
        refused,  // the next request must not be made
    };

    explicit PageCursor(std::size_t max_empty_pages) : max_empty_pages_(max_empty_pages) {}

    // Loop detection in memory that does not grow with the listing (a set of every target fetched
    // would). The last `recent_count` targets catch a short cycle, the likely kind (a page that
    // links to itself or back a few pages), before any page is fetched twice. Brent's algorithm
    // catches a cycle of any length: one saved target, compared with each new one and replaced by
    // the current one whenever the number of pages since it was saved reaches a power of two, so a
    // listing that enters a cycle of period p after m pages is stopped within about 2*max(m, p) + p
    // pages; the pages of a long cycle may then be delivered more than once before it is caught.
    static constexpr std::size_t recent_count = 8;

    bool seen_before(const std::string& target) const {
        if (target == saved_target_) return true;
        for (const std::string& recent : recent_)
            if (target == recent) return true;
        return false;
    }

    void remember(const std::string& target) {
        recent_[recent_next_] = target;
        recent_next_ = (recent_next_ + 1) % recent_count;
        if (++steps_ < power_) return;
        saved_target_ = target;
        steps_ = 0;
        power_ *= 2;
    }

    std::optional<ListQuery> query_;                // the first request, until its page arrives
    std::optional<std::string> link_;               // the next page's @nextLink, until that page arrives
    std::optional<std::string> page_target_;        // the last page's request target: base for relative links
    std::optional<std::string> requested_;          // the target next_request() returned, for on_page()
    std::array<std::string, recent_count> recent_;  // the last targets fetched ("" unused), a ring
    std::size_t recent_next_ = 0;
    std::optional<std::string> saved_target_;  // Brent's saved target
    std::uint64_t steps_ = 0;
    std::uint64_t power_ = 1;
    std::size_t empty_pages_ = 0;  // consecutive pages without items
    std::size_t max_empty_pages_;
    std::optional<std::int64_t> total_count_;
    State state_ = State::active;
    bool resumed_ = false;
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_PAGE_CURSOR_HPP
