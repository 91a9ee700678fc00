// SPDX-License-Identifier: BSL-1.0
// A page of "list all schedules" read event by event with Boost.JSON's SAX parser, straight into a
// SchedulePage: no tree is built. Building the tree cost about four times as much as tokenizing the
// text, and it was most of what a listing cost the client.
//
// It only ever accepts: a page it takes is exactly what from_json<SchedulePage> makes of the
// parsed tree. Whatever it is not sure of (a wrong type, a missing or repeated member, bad JSON) it
// declines, and parse_json then decodes the page through the tree, which says exactly what is wrong
// and where, as it always has. A tests/fuzz target checks the two decoders against each other.
// Sans-io.
#ifndef K6_SCHEDULES_DETAIL_PAGE_DECODER_HPP
#define K6_SCHEDULES_DETAIL_PAGE_DECODER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/model.hpp>
#include <k6/schedules/time.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// The handler of boost::json::basic_parser for a SchedulePage. Members it does not know are
// skipped by counting their depth; any event it cannot accept stops the parse (it returns false),
// and the page is then declined.
class PageHandler {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code& ec) { return open(true) || decline(ec); }
    bool on_object_end(std::size_t, error_code& ec) { return close() || decline(ec); }
    bool on_array_begin(error_code& ec) { return open(false) || decline(ec); }
    bool on_array_end(std::size_t, error_code& ec) { return close() || decline(ec); }
    bool on_key_part(string_view s, std::size_t, error_code&) { return key_part(s); }
    bool on_key(string_view s, std::size_t, error_code& ec) { return (key_part(s) && key_end()) || decline(ec); }
    bool on_string_part(string_view s, std::size_t, error_code&) { return text_part(s); }
    bool on_string(string_view s, std::size_t, error_code& ec) {
        return (text_part(s) && string_value()) || decline(ec);
    }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, string_view, error_code& ec) { return integer(i) || decline(ec); }
    bool on_uint64(std::uint64_t u, string_view, error_code& ec) {
        // Above int64's range the tree decoder reports "integer out of range": declined.
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return decline(ec);
        return integer(static_cast<std::int64_t>(u)) || decline(ec);
    }
    bool on_double(double, string_view, error_code& ec) { return other_value() || decline(ec); }
    bool on_bool(bool b, error_code& ec) { return boolean(b) || decline(ec); }
    bool on_null(error_code& ec) { return null_value() || decline(ec); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    // The page, once the whole document was accepted.
    SchedulePage take_page() { return std::move(page_); }

private:
    // What the next value is, by the member (or array) it belongs to.
    enum class Slot : unsigned char {
        skip,
        root,
        items,
        schedule,
        id,
        load_test_id,
        starts,
        recurrence_rule,
        cron,
        deactivated,
        next_run,
        created_by,
        cron_schedule,
        cron_time_zone,
        frequency,
        interval,
        byday,
        weekday,
        count,
        until,
        page_count,
        next_link,
    };
    // The containers of the model, outermost first.
    enum class Frame : unsigned char { root, items, schedule, rule, cron, byday };

    // The members of each object, as bits of Open::seen: required ones must be there, none twice.
    enum Member : unsigned {
        m_value = 1u << 0,
        m_count = 1u << 1,
        m_next_link = 1u << 2,
        m_id = 1u << 0,
        m_load_test_id = 1u << 1,
        m_starts = 1u << 2,
        m_recurrence_rule = 1u << 3,
        m_cron = 1u << 4,
        m_deactivated = 1u << 5,
        m_next_run = 1u << 6,
        m_created_by = 1u << 7,
        m_frequency = 1u << 0,
        m_interval = 1u << 1,
        m_byday = 1u << 2,
        m_rule_count = 1u << 3,
        m_until = 1u << 4,
        m_cron_schedule = 1u << 0,
        m_time_zone = 1u << 1,
    };
    static constexpr unsigned schedule_required = m_id | m_load_test_id | m_starts | m_recurrence_rule | m_cron |
                                                  m_deactivated | m_next_run | m_created_by;

    struct Open {
        Frame frame;
        unsigned seen = 0;
    };

    // A key longer than any the model has is some other member.
    static constexpr std::size_t longest_key = 15;

    static bool decline(error_code& ec) {
        ec = boost::json::make_error_code(boost::json::error::exception);  // any error: the parse stops
        return false;
    }

    Slot take_slot() noexcept { return std::exchange(next_, Slot::skip); }
    Open& top() noexcept { return frames_[depth_ - 1]; }
    Schedule& schedule() noexcept { return page_.items.back(); }
    RecurrenceRule& rule() noexcept { return *schedule().recurrence_rule; }

    // After a value, the next one in an array is an element; in an object a key says.
    void value_done() noexcept {
        next_ = Slot::skip;
        if (depth_ == 0) return;
        if (top().frame == Frame::items) next_ = Slot::schedule;
        if (top().frame == Frame::byday) next_ = Slot::weekday;
    }

    bool push(Frame frame) noexcept {
        if (depth_ == frames_.size()) return false;
        frames_[depth_++] = Open{frame};
        return true;
    }

    bool open(bool object) {
        if (skipping_ > 0) {
            ++skipping_;
            return true;
        }
        switch (take_slot()) {
            case Slot::skip: ++skipping_; return true;
            case Slot::root: return object && push(Frame::root);
            case Slot::items:
                if (object) return false;
                next_ = Slot::schedule;
                return push(Frame::items);
            case Slot::schedule:
                if (!object) return false;
                page_.items.emplace_back();
                return push(Frame::schedule);
            case Slot::recurrence_rule:
                if (!object) return false;
                schedule().recurrence_rule.emplace();
                return push(Frame::rule);
            case Slot::cron:
                if (!object) return false;
                schedule().cron.emplace();
                return push(Frame::cron);
            case Slot::byday:
                if (object) return false;
                rule().byday.emplace();
                next_ = Slot::weekday;
                return push(Frame::byday);
            default: return false;  // a container where a scalar must be
        }
    }

    bool close() {
        if (skipping_ > 0) {
            if (--skipping_ == 0) value_done();
            return true;
        }
        const Open closed = top();
        --depth_;
        switch (closed.frame) {
            case Frame::root:
                if (!(closed.seen & m_value)) return false;
                break;
            case Frame::schedule:
                if ((closed.seen & schedule_required) != schedule_required) return false;
                break;
            case Frame::rule:
                if (!(closed.seen & m_frequency)) return false;
                break;
            case Frame::cron:
                if ((closed.seen & (m_cron_schedule | m_time_zone)) != (m_cron_schedule | m_time_zone)) return false;
                break;
            case Frame::items:
            case Frame::byday: break;
        }
        value_done();
        return true;
    }

    bool key_part(string_view s) {
        if (skipping_ > 0) return true;
        if (key_.size() + s.size() <= longest_key)
            key_.append(s.data(), s.size());
        else
            key_.assign(longest_key + 1, '\0');  // no key of ours
        return true;
    }

    // A known member the first time: its slot. A repeated one is declined: in the tree the last
    // value wins, and the tree decoder is the one to judge it.
    bool member(unsigned bit, Slot slot) {
        if (top().seen & bit) return false;
        top().seen |= bit;
        next_ = slot;
        return true;
    }

    bool key_end() {
        if (skipping_ > 0) return true;
        const std::string_view key(key_);
        next_ = Slot::skip;
        bool ok = true;
        switch (top().frame) {
            case Frame::root:
                if (key == "value") ok = member(m_value, Slot::items);
                else if (key == "@count") ok = member(m_count, Slot::page_count);
                else if (key == "@nextLink") ok = member(m_next_link, Slot::next_link);
                break;
            case Frame::schedule:
                if (key == "id") ok = member(m_id, Slot::id);
                else if (key == "load_test_id") ok = member(m_load_test_id, Slot::load_test_id);
                else if (key == "starts") ok = member(m_starts, Slot::starts);
                else if (key == "recurrence_rule") ok = member(m_recurrence_rule, Slot::recurrence_rule);
                else if (key == "cron") ok = member(m_cron, Slot::cron);
                else if (key == "deactivated") ok = member(m_deactivated, Slot::deactivated);
                else if (key == "next_run") ok = member(m_next_run, Slot::next_run);
                else if (key == "created_by") ok = member(m_created_by, Slot::created_by);
                break;
            case Frame::rule:
                if (key == "frequency") ok = member(m_frequency, Slot::frequency);
                else if (key == "interval") ok = member(m_interval, Slot::interval);
                else if (key == "byday") ok = member(m_byday, Slot::byday);
                else if (key == "count") ok = member(m_rule_count, Slot::count);
                else if (key == "until") ok = member(m_until, Slot::until);
                break;
            case Frame::cron:
                if (key == "schedule") ok = member(m_cron_schedule, Slot::cron_schedule);
                else if (key == "time_zone") ok = member(m_time_zone, Slot::cron_time_zone);
                break;
            case Frame::items:
            case Frame::byday: break;  // arrays have no keys
        }
        key_.clear();
        return ok;
    }

    // The slots whose value may be a string: its text is gathered, the others' is not.
    bool wants_text() const noexcept {
        switch (next_) {
            case Slot::starts:
            case Slot::next_run:
            case Slot::created_by:
            case Slot::cron_schedule:
            case Slot::cron_time_zone:
            case Slot::frequency:
            case Slot::weekday:
            case Slot::until:
            case Slot::next_link: return true;
            default: return false;
        }
    }

    bool text_part(string_view s) {
        if (skipping_ == 0 && wants_text()) text_.append(s.data(), s.size());
        return true;
    }

    static bool instant(std::string_view text, Timestamp& out) {
        const auto parsed = parse_rfc3339(text);
        if (!parsed) return false;
        out = *parsed;
        return true;
    }

    bool string_value() {
        if (skipping_ > 0) return true;
        const std::string_view text(text_);
        bool ok = true;
        switch (take_slot()) {
            case Slot::skip: break;
            case Slot::starts: ok = instant(text, schedule().starts); break;
            case Slot::next_run: ok = instant(text, schedule().next_run.emplace()); break;
            case Slot::created_by: schedule().created_by.emplace(text); break;
            case Slot::cron_schedule: schedule().cron->schedule.assign(text); break;
            case Slot::cron_time_zone: schedule().cron->time_zone.assign(text); break;
            case Slot::frequency:
                if (const auto f = parse_frequency(text))
                    rule().frequency = *f;
                else
                    ok = false;
                break;
            case Slot::weekday:
                if (const auto d = parse_weekday(text))
                    rule().byday->push_back(*d);
                else
                    ok = false;
                break;
            case Slot::until: ok = instant(text, rule().until.emplace()); break;
            case Slot::next_link: page_.next_link.emplace(text); break;
            default: ok = false; break;
        }
        text_.clear();
        value_done();
        return ok;
    }

    bool integer(std::int64_t i) {
        if (skipping_ > 0) return true;
        bool ok = true;
        switch (take_slot()) {
            case Slot::skip: break;
            case Slot::id: schedule().id.value = i; break;
            case Slot::load_test_id: schedule().load_test_id.value = i; break;
            case Slot::interval: rule().interval = i; break;
            case Slot::count: rule().count = i; break;
            case Slot::page_count: page_.count = i; break;
            default: ok = false; break;
        }
        value_done();
        return ok;
    }

    bool boolean(bool b) {
        if (skipping_ > 0) return true;
        bool ok = true;
        switch (take_slot()) {
            case Slot::skip: break;
            case Slot::deactivated: schedule().deactivated = b; break;
            default: ok = false; break;
        }
        value_done();
        return ok;
    }

    // null: an absent value where the schema allows one.
    bool null_value() {
        if (skipping_ > 0) return true;
        bool ok = true;
        switch (take_slot()) {
            case Slot::skip:
            case Slot::recurrence_rule:
            case Slot::cron:
            case Slot::next_run:
            case Slot::created_by:
            case Slot::byday:
            case Slot::count:
            case Slot::until:
            case Slot::page_count:
            case Slot::next_link: break;  // the member stays empty, as it was made
            default: ok = false; break;
        }
        value_done();
        return ok;
    }

    // A number that is not an integer: no member of the page is one.
    bool other_value() {
        if (skipping_ > 0) return true;
        const bool ok = take_slot() == Slot::skip;
        value_done();
        return ok;
    }

    SchedulePage page_{};
    Slot next_ = Slot::root;
    std::array<Open, 5> frames_{};  // root, items, schedule, rule or cron, byday
    std::size_t depth_ = 0;         // of frames_ in use
    std::size_t skipping_ = 0;      // depth inside a container that is skipped
    std::string key_{};
    std::string text_{};
};

// The page in `text`, or std::nullopt when this decoder declines it (see the top of this file).
// A template so that only a translation unit that decodes pages compiles the parser for it.
template <class = void>
std::optional<SchedulePage> decode_page_streaming(std::string_view text) {
    // The default options, as boost::json::parse has them: standard JSON, at most 32 levels deep.
    boost::json::basic_parser<PageHandler> parser{boost::json::parse_options{}};
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec || used != text.size()) return std::nullopt;
    return parser.handler().take_page();
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_PAGE_DECODER_HPP
