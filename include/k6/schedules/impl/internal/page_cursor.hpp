// Which request fetches the next page of a listing: the first one from the ListQuery, later ones
// from @nextLink exactly as returned, and never one that leaves the API origin or goes round in a
// circle. Sans-io: tested without sockets.
#ifndef K6_SCHEDULES_IMPL_INTERNAL_PAGE_CURSOR_HPP
#define K6_SCHEDULES_IMPL_INTERNAL_PAGE_CURSOR_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/endpoint.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/impl/internal/request_builder.hpp>
#include <k6/schedules/list_query.hpp>
#include <k6/schedules/model.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <optional>
#include <string>
#include <unordered_set>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// A link from the server is a malformed answer; a link the caller resumes from is a bad argument.
inline std::unexpected<ApiError> bad_next_link(std::string why, std::string_view link,
                                               ErrorKind kind = ErrorKind::malformed_response) {
    return fail(kind, errc::bad_next_link, "refused to follow @nextLink " + quote_url(link) + ": " + std::move(why),
                "@nextLink");
}

// The request an @nextLink asks for. An absolute link must have the API's scheme, host and port, so
// the bearer token is never sent anywhere else; a relative one is resolved against the API URL.
inline expected<RequestSpec> next_link_request(const Endpoint& api, std::string_view link,
                                               ErrorKind kind = ErrorKind::malformed_response) {
    auto reference = boost::urls::parse_uri_reference(boost::urls::string_view(link.data(), link.size()));
    if (!reference) return bad_next_link("not a URI reference", link, kind);
    boost::urls::url resolved;
    if (reference->has_scheme()) {
        resolved = *reference;
    } else {
        const std::string base = (api.tls ? "https://" : "http://") + api.host_header + api.base_path + "/";
        resolved = *boost::urls::parse_uri(base);
        if (auto r = boost::urls::resolve(boost::urls::url_view(base), *reference, resolved); !r)
            return bad_next_link("cannot be resolved against the API URL", link, kind);
    }
    auto origin = parse_origin(resolved);
    if (!origin) return bad_next_link(origin.error(), link, kind);
    if (!api.same_origin(origin->tls, origin->host, origin->port))
        return bad_next_link("it points away from the API origin " + std::string(api.tls ? "https://" : "http://") +
                                 api.host_header + " (the token is only ever sent there)",
                             link, kind);
    RequestSpec spec;
    spec.method = http::verb::get;
    spec.target = std::string(resolved.encoded_target());
    if (spec.target.empty() || spec.target.front() != '/') spec.target.insert(0, "/");
    spec.target_is_absolute = true;
    return spec;
}

class PageCursor {
public:
    static PageCursor from_query(const ListQuery& query) {
        PageCursor cursor;
        cursor.query_ = query;
        return cursor;
    }

    // Continues a listing from a link saved from next_link().
    static PageCursor from_link(std::string link) {
        PageCursor cursor;
        cursor.link_ = std::move(link);
        cursor.resumed_ = true;
        return cursor;
    }

    // The request for the next page; nullopt once the last page has been seen; an error when the
    // next link must not be followed (the listing is over then too).
    std::optional<expected<RequestSpec>> next_request(const Endpoint& api) {
        if (finished_) return std::nullopt;
        // A link the caller resumed from has not come from the server (yet).
        const ErrorKind kind = resumed_ ? ErrorKind::invalid_argument : ErrorKind::malformed_response;
        resumed_ = false;
        expected<RequestSpec> spec =
            query_ ? expected<RequestSpec>(list_schedules_request(*query_)) : next_link_request(api, *link_, kind);
        query_.reset();
        if (spec && spec->refused) spec = std::unexpected(std::move(*spec->refused));
        if (spec && !followed_.insert(spec->request_target(api)).second)
            spec = bad_next_link("it was followed before, so the listing would never end", *link_);
        if (!spec) finished_ = true;
        return spec;
    }

    // Records the page that answered the last request.
    void on_page(const SchedulePage& page) {
        if (page.count) total_count_ = page.count;
        link_ = page.next_link;
        if (!link_) finished_ = true;
    }

    // The last request failed: the listing is over.
    void on_error() { finished_ = true; }

    bool finished() const noexcept { return finished_; }
    std::optional<std::int64_t> total_count() const noexcept { return total_count_; }

    // Where the listing continues, to save and pass to Client::resume_listing(); empty before the
    // first page of a query and after the last page.
    std::optional<std::string> next_link() const {
        if (finished_ || query_) return std::nullopt;
        return link_;
    }

private:
    PageCursor() = default;

    std::optional<ListQuery> query_;            // the first request, until it is made
    std::optional<std::string> link_;           // the next page's @nextLink
    std::unordered_set<std::string> followed_;  // request targets already fetched: a few bytes per page
    std::optional<std::int64_t> total_count_;
    bool finished_ = false;
    bool resumed_ = false;
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_IMPL_INTERNAL_PAGE_CURSOR_HPP
