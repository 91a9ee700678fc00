// SPDX-License-Identifier: BSL-1.0
// JSON both ways with Boost.JSON. Decoding never throws and never guesses: a missing required
// field or a wrong type is an ApiError{malformed_response} whose `target` is the field's path
// ("value[3].recurrence_rule.interval"). Unknown fields are ignored, as the API adds fields over time.
#ifndef K6_SCHEDULES_JSON_HPP
#define K6_SCHEDULES_JSON_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/detail/page_decoder.hpp>
#include <k6/schedules/detail/text.hpp>
#include <k6/schedules/error.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/time.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

/// @file
/// The models as JSON, both ways, with Boost.JSON: from_json(), parse_json(), to_json(), and
/// boost::json::value_from / value_to support.

K6_SCHEDULES_BEGIN_NAMESPACE

namespace detail {

// Where in the document a value sits. Built on the stack while descending; turned into a string
// only when reporting an error, so successful decoding allocates nothing for paths.
struct JsonPath {
    const JsonPath* parent = nullptr;
    std::string_view key;  // member name, or empty for an array element
    std::size_t index = 0;

    JsonPath member(std::string_view name) const noexcept { return {this, name, 0}; }
    JsonPath element(std::size_t i) const noexcept { return {this, {}, i}; }

    std::string str() const {
        std::string head = parent ? parent->str() : std::string();
        if (!parent) return head;  // the root has no name
        if (key.empty()) return head + "[" + std::to_string(index) + "]";
        return head.empty() ? std::string(key) : head + "." + std::string(key);
    }
};

struct DecodeFailure {
    std::string path;
    std::string reason;
};

using Decoded = std::expected<void, DecodeFailure>;

inline std::string_view kind_name(const boost::json::value& v) noexcept {
    switch (v.kind()) {
        case boost::json::kind::null: return "null";
        case boost::json::kind::bool_: return "a boolean";
        case boost::json::kind::int64:
        case boost::json::kind::uint64: return "an integer";
        case boost::json::kind::double_: return "a number";
        case boost::json::kind::string: return "a string";
        case boost::json::kind::array: return "an array";
        case boost::json::kind::object: return "an object";
    }
    return "a value";
}

inline std::unexpected<DecodeFailure> wrong_type(const boost::json::value& v, const JsonPath& at,
                                                 std::string_view wanted) {
    return std::unexpected(
        DecodeFailure{at.str(), "expected " + std::string(wanted) + ", got " + std::string(kind_name(v))});
}

inline std::unexpected<DecodeFailure> bad_value(const JsonPath& at, std::string reason) {
    return std::unexpected(DecodeFailure{at.str(), std::move(reason)});
}

// Readers of single values. Declared before the templates below so that two-phase lookup finds
// them for std types (Timestamp, std::string) that ADL would not look up here.
inline Decoded read(const boost::json::value& v, std::int64_t& out, const JsonPath& at) {
    if (v.is_int64()) {
        out = v.get_int64();
        return {};
    }
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out = static_cast<std::int64_t>(v.get_uint64());
        return {};
    }
    if (v.is_uint64()) return bad_value(at, "integer out of range");
    return wrong_type(v, at, "an integer");
}

inline Decoded read(const boost::json::value& v, bool& out, const JsonPath& at) {
    if (!v.is_bool()) return wrong_type(v, at, "a boolean");
    out = v.get_bool();
    return {};
}

inline Decoded read(const boost::json::value& v, std::string& out, const JsonPath& at) {
    if (!v.is_string()) return wrong_type(v, at, "a string");
    out.assign(v.get_string().data(), v.get_string().size());
    return {};
}

inline Decoded read(const boost::json::value& v, Timestamp& out, const JsonPath& at) {
    if (!v.is_string()) return wrong_type(v, at, "an RFC 3339 date-time string");
    const std::string_view text(v.get_string().data(), v.get_string().size());
    auto parsed = parse_rfc3339(text);
    if (!parsed)
        return bad_value(at, "expected an RFC 3339 date-time, got " + quote_for_message(text) + " (" +
                                 std::string(parsed.error()) + ")");
    out = *parsed;
    return {};
}

template <class Tag>
Decoded read(const boost::json::value& v, Id<Tag>& out, const JsonPath& at) {
    return read(v, out.value, at);
}

inline Decoded read(const boost::json::value& v, Frequency& out, const JsonPath& at) {
    if (!v.is_string()) return wrong_type(v, at, "a frequency string");
    const std::string_view text(v.get_string().data(), v.get_string().size());
    auto parsed = parse_frequency(text);
    if (!parsed)
        return bad_value(at, "expected one of HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY, got " + quote_for_message(text));
    out = *parsed;
    return {};
}

inline Decoded read(const boost::json::value& v, Weekday& out, const JsonPath& at) {
    if (!v.is_string()) return wrong_type(v, at, "a weekday string");
    const std::string_view text(v.get_string().data(), v.get_string().size());
    auto parsed = parse_weekday(text);
    if (!parsed) return bad_value(at, "expected one of MO, TU, WE, TH, FR, SA, SU, got " + quote_for_message(text));
    out = *parsed;
    return {};
}

inline Decoded read(const boost::json::value& v, ScheduleCron& out, const JsonPath& at);
inline Decoded read(const boost::json::value& v, RecurrenceRule& out, const JsonPath& at);
inline Decoded read(const boost::json::value& v, Schedule& out, const JsonPath& at);
inline Decoded read(const boost::json::value& v, ErrorDetails& out, const JsonPath& at);

template <class T>
Decoded read(const boost::json::value& v, std::vector<T>& out, const JsonPath& at) {
    if (!v.is_array()) return wrong_type(v, at, "an array");
    const auto& array = v.get_array();
    out.clear();
    out.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
        if (auto r = read(array[i], out.emplace_back(), at.element(i)); !r) return r;
    }
    return {};
}

template <class T>
Decoded read(const boost::json::value& v, std::optional<T>& out, const JsonPath& at) {
    if (v.is_null()) {
        out.reset();
        return {};
    }
    return read(v, out.emplace(), at);
}

// A member the schema lists as required: it must be present (it may still be null when T is optional).
template <class T>
Decoded required_member(const boost::json::object& o, std::string_view key, T& out, const JsonPath& at) {
    const auto* found = o.if_contains(key);
    if (!found) return bad_value(at.member(key), "required field is missing");
    return read(*found, out, at.member(key));
}

// A member the schema does not require: absent and null both leave `out` empty.
template <class T>
Decoded optional_member(const boost::json::object& o, std::string_view key, std::optional<T>& out, const JsonPath& at) {
    const auto* found = o.if_contains(key);
    if (!found) {
        out.reset();
        return {};
    }
    return read(*found, out, at.member(key));
}

#define K6_SCHEDULES_TRY(expr)                         \
    do {                                               \
        if (auto k6_r_ = (expr); !k6_r_) return k6_r_; \
    } while (false)

inline Decoded read(const boost::json::value& v, ScheduleCron& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "schedule", out.schedule, at));
    K6_SCHEDULES_TRY(required_member(*o, "time_zone", out.time_zone, at));
    return {};
}

inline Decoded read(const boost::json::value& v, RecurrenceRule& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "frequency", out.frequency, at));
    // "interval" is an integer with a default, not nullable: null is a type error, absent is "default".
    if (const auto* interval = o->if_contains("interval")) {
        K6_SCHEDULES_TRY(read(*interval, out.interval.emplace(), at.member("interval")));
    } else {
        out.interval.reset();
    }
    K6_SCHEDULES_TRY(optional_member(*o, "byday", out.byday, at));
    K6_SCHEDULES_TRY(optional_member(*o, "count", out.count, at));
    K6_SCHEDULES_TRY(optional_member(*o, "until", out.until, at));
    return {};
}

inline Decoded read(const boost::json::value& v, Schedule& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "id", out.id, at));
    K6_SCHEDULES_TRY(required_member(*o, "load_test_id", out.load_test_id, at));
    K6_SCHEDULES_TRY(required_member(*o, "starts", out.starts, at));
    K6_SCHEDULES_TRY(required_member(*o, "recurrence_rule", out.recurrence_rule, at));
    K6_SCHEDULES_TRY(required_member(*o, "cron", out.cron, at));
    K6_SCHEDULES_TRY(required_member(*o, "deactivated", out.deactivated, at));
    K6_SCHEDULES_TRY(required_member(*o, "next_run", out.next_run, at));
    K6_SCHEDULES_TRY(required_member(*o, "created_by", out.created_by, at));
    return {};
}

inline Decoded read(const boost::json::value& v, SchedulePage& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "value", out.items, at));
    K6_SCHEDULES_TRY(optional_member(*o, "@count", out.count, at));
    K6_SCHEDULES_TRY(optional_member(*o, "@nextLink", out.next_link, at));
    return {};
}

// Both ids are positive in the API (they name a stack and a project): a zero or negative one is
// refused here rather than sent later as X-Stack-Id, which the service would reject with less to go on.
inline Decoded read(const boost::json::value& v, AuthenticationResponse& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "stack_id", out.stack_id, at));
    if (out.stack_id <= 0)
        return bad_value(at.member("stack_id"), "expected a positive integer, got " + std::to_string(out.stack_id));
    K6_SCHEDULES_TRY(required_member(*o, "default_project_id", out.default_project_id, at));
    if (out.default_project_id <= 0)
        return bad_value(at.member("default_project_id"),
                         "expected a positive integer, got " + std::to_string(out.default_project_id));
    return {};
}

inline Decoded read(const boost::json::value& v, CreateScheduleRequest& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "starts", out.starts, at));
    K6_SCHEDULES_TRY(optional_member(*o, "recurrence_rule", out.recurrence_rule, at));
    K6_SCHEDULES_TRY(optional_member(*o, "cron", out.cron, at));
    return {};
}

inline Decoded read(const boost::json::value& v, ErrorDetails& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "code", out.code, at));
    K6_SCHEDULES_TRY(required_member(*o, "message", out.message, at));
    K6_SCHEDULES_TRY(optional_member(*o, "target", out.target, at));
    return {};
}

// ErrorApiModel (the object inside {"error": ...}).
inline Decoded read(const boost::json::value& v, ErrorBody& out, const JsonPath& at) {
    const auto* o = v.if_object();
    if (!o) return wrong_type(v, at, "an object");
    K6_SCHEDULES_TRY(required_member(*o, "code", out.code, at));
    K6_SCHEDULES_TRY(required_member(*o, "message", out.message, at));
    K6_SCHEDULES_TRY(optional_member(*o, "target", out.target, at));
    std::optional<std::vector<ErrorDetails>> details;
    K6_SCHEDULES_TRY(optional_member(*o, "details", details, at));
    out.details = details ? std::move(*details) : std::vector<ErrorDetails>{};
    return {};
}

#undef K6_SCHEDULES_TRY

inline ApiError malformed(const DecodeFailure& f) {
    if (f.path.empty()) return detail::fail(ErrorKind::malformed_response, errc::malformed_response, f.reason).error();
    return detail::fail(ErrorKind::malformed_response, errc::malformed_response, "field " + f.path + ": " + f.reason,
                        f.path)
        .error();
}

inline boost::json::string json_string(Timestamp t) { return boost::json::string(format_rfc3339(t)); }

template <class T>
inline constexpr bool is_model =
    std::is_same_v<T, Schedule> || std::is_same_v<T, SchedulePage> || std::is_same_v<T, CreateScheduleRequest> ||
    std::is_same_v<T, ScheduleCron> || std::is_same_v<T, RecurrenceRule> || std::is_same_v<T, ErrorBody> ||
    std::is_same_v<T, ErrorDetails> || std::is_same_v<T, AuthenticationResponse>;

}  // namespace detail

/// Decodes a model from a parsed JSON value. Never throws for bad input and never guesses: unknown
/// fields are ignored (the API adds fields over time); a missing required field or a wrong type is
/// an error.
/// @tparam T Schedule, SchedulePage, CreateScheduleRequest, ScheduleCron, RecurrenceRule,
/// AuthenticationResponse, ErrorBody (the ErrorApiModel object) or ErrorDetails.
/// @return The model, or an ErrorKind::malformed_response error (errc::malformed_response) whose
/// `target` is the path of the field in error, e.g. "value[3].recurrence_rule.interval".
template <class T>
requires detail::is_model<T> expected<T> from_json(const boost::json::value& value) {
    T out{};
    const detail::JsonPath root;
    if (auto r = detail::read(value, out, root); !r) return std::unexpected(detail::malformed(r.error()));
    return out;
}

namespace detail {

// Memory for the parsed tree, kept from one parse to the next of documents alike in size: the
// pages of one listing. Without it, each page's tree (about four times the text) came from fresh
// blocks that the allocator handed back to the system afterwards, and touching them again cost a
// page fault per 4 KiB: more time than building the tree. Not thread-safe; one parse at a time.
class ParseScratch {
public:
    // What the parses so far have shown the next one needs, or nothing yet.
    std::span<unsigned char> memory() noexcept { return {block_.get(), size_}; }

    // After a parse that also took `overflow` bytes from the heap: the next one gets all of it in
    // one block. The arena grows its blocks geometrically, so this is up to about twice the
    // largest tree so far, held only as long as its owner (a Pager).
    void grow_by(std::size_t overflow) {
        if (overflow > 0) replace(size_ + overflow);
    }

    // After a whole tree that fitted in `used` bytes of the block. One that needed under a quarter
    // of it (the page after an outlier, say) shrinks the block to twice that tree, so that one huge
    // page does not pin twice its tree for the rest of a listing, while pages of similar sizes
    // keep reusing one block.
    void fit(std::size_t used) {
        if (used < size_ / 4) replace(used * 2 > inline_bytes ? used * 2 : 0);
    }

    // What parse_json has on its stack: a tree that fits there needs no block.
    static constexpr std::size_t inline_bytes = 4096;

private:
    void replace(std::size_t wanted) {
        block_.reset();  // the old block first: never both at once
        size_ = 0;
        if (wanted == 0) return;
        block_ = std::make_unique_for_overwrite<unsigned char[]>(wanted);
        size_ = wanted;
    }

    std::unique_ptr<unsigned char[]> block_;
    std::size_t size_ = 0;
};

// The default heap, counting what it hands out, so that ParseScratch learns a tree's size.
class CountingHeap final : public boost::json::memory_resource {
public:
    std::size_t allocated = 0;

private:
    void* do_allocate(std::size_t bytes, std::size_t align) override {
        allocated += bytes;
        return ::operator new(bytes, std::align_val_t(align));
    }
    // Unsized: Boost.JSON 1.81's monotonic_resource frees a block with a size other than the one it
    // asked for (AddressSanitizer reports new-delete-type-mismatch for a sized delete).
    void do_deallocate(void* p, std::size_t, std::size_t align) override {
        ::operator delete(p, std::align_val_t(align));
    }
    bool do_is_equal(const boost::json::memory_resource& other) const noexcept override { return this == &other; }
};

// Hands out one block front to back, then, once a request no longer fits, memory from `overflow`;
// frees nothing itself (the tree is dropped as a whole). Says how far into the block it got, which
// Boost.JSON's monotonic_resource does not, so that ParseScratch learns a tree's size in its block.
class BlockArena final : public boost::json::memory_resource {
public:
    BlockArena(std::span<unsigned char> block, boost::json::memory_resource* overflow) noexcept
        : block_(block), overflow_(overflow) {}

    std::size_t used() const noexcept { return used_; }

private:
    void* do_allocate(std::size_t bytes, std::size_t align) override {
        void* at = block_.data() + used_;
        std::size_t left = block_.size() - used_;
        if (std::align(align, bytes, at, left)) {
            used_ = block_.size() - left + bytes;
            return at;
        }
        return overflow_->allocate(bytes, align);
    }
    void do_deallocate(void*, std::size_t, std::size_t) override {}
    bool do_is_equal(const boost::json::memory_resource& other) const noexcept override { return this == &other; }

    std::span<unsigned char> block_;
    boost::json::memory_resource* overflow_;
    std::size_t used_ = 0;
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

// A tree in a BlockArena is dropped whole: Boost.JSON then skips walking it to free node by node.
/// @cond
template <>
struct boost::json::is_deallocate_trivial<k6::schedules::detail::BlockArena> : std::true_type {};
/// @endcond

K6_SCHEDULES_BEGIN_NAMESPACE

namespace detail {

// Parses the text into a tree (in ParseScratch's memory when given) and decodes the model from it.
template <class T>
expected<T> parse_json_through_tree(std::string_view text, ParseScratch* scratch) {
    // The parsed tree only lives while we copy out of it: arenas make that one allocation per few
    // kilobytes instead of one per node, and none at all once the scratch block fits the tree.
    unsigned char initial[ParseScratch::inline_bytes];
    std::span<unsigned char> first(initial);
    if (scratch && scratch->memory().size() > first.size()) first = scratch->memory();
    CountingHeap heap;
    expected<T> decoded;
    std::size_t used = 0;
    bool parsed = false;
    {
        // Its first block is the next power of two above the first one's size, as a monotonic
        // arena over that first block would take.
        boost::json::monotonic_resource overflow(first.size() + 1, &heap);
        BlockArena arena(first, &overflow);
        boost::system::error_code ec;
        const boost::json::value value =
            boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, &arena);
        if (ec) {
            decoded = fail(ErrorKind::malformed_response, errc::malformed_response,
                           "the body is not valid JSON (" + ec.message() + ")");
        } else {
            decoded = from_json<T>(value);
            parsed = true;
        }
        used = arena.used();
    }
    if (scratch) {
        if (heap.allocated > 0)
            scratch->grow_by(heap.allocated);
        else if (parsed)  // a parse that stopped early says nothing about the size of a whole tree
            scratch->fit(first.data() == initial ? 0 : used);
    }
    return decoded;
}

}  // namespace detail

/// Parses JSON text and decodes a model, as from_json() does. Invalid JSON is a
/// malformed_response error too.
/// @tparam T As for from_json().
/// @param text The JSON text.
/// @param scratch Internal (the Pager's memory for the parsed tree, reused from page to page):
/// leave it out.
/// @return The model, or an ErrorKind::malformed_response error (errc::malformed_response).
template <class T>
requires detail::is_model<T> expected<T> parse_json(std::string_view text, detail::ParseScratch* scratch = nullptr) {
    // A page, the bulk of a listing, is read without a tree when it can be (detail/page_decoder.hpp);
    // one that decoder declines goes through the tree, which says exactly what is wrong.
    if constexpr (std::is_same_v<T, SchedulePage>) {
        if (auto page = detail::decode_page_streaming(text)) return std::move(*page);
    }
    return detail::parse_json_through_tree<T>(text, scratch);
}

/// @name Encoders for boost::json::value_from
/// Requests leave absent optional members out, so the server applies its defaults and never sees
/// a null it would reject; responses write every member the schema requires, null included. Found
/// by argument-dependent lookup: call `boost::json::value_from(model)` or to_json().
/// @{

/// Writes a ScheduleCron: {"schedule", "time_zone"}.
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const ScheduleCron& c) {
    jv = {{"schedule", c.schedule}, {"time_zone", c.time_zone}};
}

/// Writes a RecurrenceRule; absent optional members are left out.
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const RecurrenceRule& r) {
    auto& o = jv.emplace_object();
    o["frequency"] = to_string(r.frequency);
    if (r.interval) o["interval"] = *r.interval;
    if (r.byday) {
        auto& days = o["byday"].emplace_array();
        for (Weekday d : *r.byday) days.emplace_back(to_string(d));
    }
    if (r.count) o["count"] = *r.count;
    if (r.until) o["until"] = detail::json_string(*r.until);
}

/// Writes a CreateScheduleRequest as the API's request examples are: {"starts", "recurrence_rule"} or
/// {"starts", "cron"}, and for a one-off run {"starts", "recurrence_rule": null} (the TriggeredOnce
/// example).
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const CreateScheduleRequest& r) {
    auto& o = jv.emplace_object();
    o["starts"] = detail::json_string(r.starts);
    if (r.recurrence_rule) o["recurrence_rule"] = boost::json::value_from(*r.recurrence_rule);
    if (r.cron) o["cron"] = boost::json::value_from(*r.cron);
    if (!r.recurrence_rule && !r.cron) o["recurrence_rule"] = nullptr;
}

/// Writes a Schedule with every member, null included.
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const Schedule& s) {
    auto& o = jv.emplace_object();
    o["id"] = s.id.value;
    o["load_test_id"] = s.load_test_id.value;
    o["starts"] = detail::json_string(s.starts);
    o["recurrence_rule"] =
        s.recurrence_rule ? boost::json::value_from(*s.recurrence_rule) : boost::json::value(nullptr);
    o["cron"] = s.cron ? boost::json::value_from(*s.cron) : boost::json::value(nullptr);
    o["deactivated"] = s.deactivated;
    o["next_run"] = s.next_run ? boost::json::value(detail::json_string(*s.next_run)) : boost::json::value(nullptr);
    o["created_by"] = s.created_by ? boost::json::value(*s.created_by) : boost::json::value(nullptr);
}

/// Writes a SchedulePage: {"value", "@count", "@nextLink"}, the last two only when present.
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const SchedulePage& p) {
    auto& o = jv.emplace_object();
    auto& items = o["value"].emplace_array();
    items.reserve(p.items.size());
    for (const auto& s : p.items) items.push_back(boost::json::value_from(s));
    if (p.count) o["@count"] = *p.count;
    if (p.next_link) o["@nextLink"] = *p.next_link;
}

/// Writes an AuthenticationResponse: {"stack_id", "default_project_id"}.
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const AuthenticationResponse& a) {
    jv = {{"stack_id", a.stack_id}, {"default_project_id", a.default_project_id}};
}

/// Writes an ErrorDetails; an absent target is left out.
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const ErrorDetails& d) {
    auto& o = jv.emplace_object();
    o["code"] = d.code;
    o["message"] = d.message;
    if (d.target) o["target"] = *d.target;
}

/// Writes the ErrorApiModel object (an error answer's body is {"error": ErrorApiModel}); an absent
/// target and empty details are left out.
inline void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const ErrorBody& b) {
    auto& o = jv.emplace_object();
    o["code"] = b.code;
    o["message"] = b.message;
    if (b.target) o["target"] = *b.target;
    if (!b.details.empty()) o["details"] = boost::json::value_from(b.details);
}

/// @}

/// boost::json::try_value_to / value_to support for the models of from_json(). The error code
/// (errc::malformed_response) cannot name the field; prefer from_json(), which does.
template <class T>
requires detail::is_model<T> boost::json::result<T> tag_invoke(const boost::json::try_value_to_tag<T>&,
                                                               const boost::json::value& jv) {
    auto decoded = from_json<T>(jv);
    if (!decoded) return boost::system::error_code(make_error_code(errc::malformed_response));
    return std::move(*decoded);
}

/// Compact JSON text of a model (what value_from writes): a CreateScheduleRequest as it is sent, say.
template <class T>
requires detail::is_model<T> std::string to_json(const T& model) {
    return boost::json::serialize(boost::json::value_from(model));
}

K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_JSON_HPP
