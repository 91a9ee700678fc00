// SPDX-License-Identifier: BSL-1.0
// The ErrorApiModel in an error answer's body, {"error": {...}}, read event by event with Boost.JSON's
// SAX parser: no tree is built, at most max_error_details details are kept and the rest only
// counted, and a body cut short still yields what was whole before the cut. The acceptance rules
// are from_json<ErrorBody>'s on the parsed value. Sans-io: unit-tested and fuzzed on its own.
#ifndef K6_SCHEDULES_DETAIL_ERROR_BODY_DECODER_HPP
#define K6_SCHEDULES_DETAIL_ERROR_BODY_DECODER_HPP

#include <k6/schedules/detail/config.hpp>
#include <k6/schedules/error.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse_options.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// At most this many of the server's error.details are kept; one more entry then says how many
// were left out, so nothing is dropped silently.
inline constexpr std::size_t max_error_details = 32;

struct DecodedErrorBody {
    ErrorBody error{};                 // its details: the first max_error_details
    std::size_t details_left_out = 0;  // valid details after those, counted and never kept
    bool cut_short = false;            // the body was cut before the error object ended: more may have followed
};

enum class ErrorBodyMismatch {
    not_json,         // not JSON text (or, for a cut body, not the start of one)
    not_error_model,  // JSON, but not {"error": ErrorApiModel}
};

// The handler of boost::json::basic_parser. Containers and members it has no use for are skipped
// by counting their depth; the strings it keeps are pieces of the body, so it holds at most about
// as much as the body it reads.
class ErrorBodyHandler {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) { return open(true); }
    bool on_object_end(std::size_t, error_code&) { return close(); }
    bool on_array_begin(error_code&) { return open(false); }
    bool on_array_end(std::size_t, error_code&) { return close(); }
    bool on_key_part(string_view s, std::size_t, error_code&) { return key_part(s); }
    bool on_key(string_view s, std::size_t, error_code&) { return key_part(s) && key_end(); }
    bool on_string_part(string_view s, std::size_t, error_code&) { return text_part(s); }
    bool on_string(string_view s, std::size_t, error_code&) { return text_part(s) && value(Value::string); }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t, string_view, error_code&) { return value(Value::other); }
    bool on_uint64(std::uint64_t, string_view, error_code&) { return value(Value::other); }
    bool on_double(double, string_view, error_code&) { return value(Value::other); }
    bool on_bool(bool, error_code&) { return value(Value::other); }
    bool on_null(error_code&) { return value(Value::null); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    // What was read, as far as it went: `cut` says the body is the start of a longer one.
    std::expected<DecodedErrorBody, ErrorBodyMismatch> result(bool cut) {
        const auto mismatch = std::unexpected(ErrorBodyMismatch::not_error_model);
        if (!root_is_object_ || error_ != Field::present) return mismatch;
        // A string cut off mid-way is no value; a member whose value never began is not there.
        if (code_.state != Field::present || message_.state != Field::present) return mismatch;
        if (target_.state == Field::wrong || details_ == Field::wrong || wrong_detail_) return mismatch;
        DecodedErrorBody out;
        out.error.code = std::move(code_.text);
        out.error.message = std::move(message_.text);
        if (target_.state == Field::present) out.error.target = std::move(target_.text);
        out.error.details = std::move(kept_);
        out.details_left_out = left_out_;
        out.cut_short = cut && !error_closed_;
        return out;
    }

private:
    // What the next value is, by the member (or array) it belongs to.
    enum class Slot : unsigned char {
        skip,
        root,
        error,
        code,
        message,
        target,
        details,
        detail,
        detail_code,
        detail_message,
        detail_target,
    };
    // The containers of the model, outermost first.
    enum class Frame : unsigned char { root, error, details, detail };
    enum class Value : unsigned char { string, null, other };
    // A member's last value (a repeated key replaces it, as in the parsed tree).
    enum class Field : unsigned char { absent, pending, present, null, wrong };

    struct Text {
        Field state = Field::absent;
        std::string text{};
        void reset(Field to) {
            state = to;
            text.clear();
        }
    };

    // A key longer than any the model has is some other member.
    static constexpr std::size_t longest_key = 7;

    Slot take_slot() noexcept { return std::exchange(next_, Slot::skip); }
    Frame top() const noexcept { return frames_[depth_ - 1]; }
    void push(Frame frame) noexcept { frames_[depth_++] = frame; }

    // After a value, the next one in an array of details is a detail; in an object a key says.
    void value_done() noexcept { next_ = depth_ > 0 && top() == Frame::details ? Slot::detail : Slot::skip; }

    bool open(bool object) {
        if (skipping_ > 0) {
            ++skipping_;
            return true;
        }
        const Slot slot = take_slot();
        switch (slot) {
            case Slot::root:
                if (!object) break;
                root_is_object_ = true;
                push(Frame::root);
                return true;
            case Slot::error:
                if (!object) {
                    error_ = Field::wrong;
                    break;
                }
                error_ = Field::present;
                push(Frame::error);
                return true;
            case Slot::details:
                if (object) {
                    details_ = Field::wrong;
                    break;
                }
                details_ = Field::present;
                push(Frame::details);
                next_ = Slot::detail;
                return true;
            case Slot::detail:
                if (!object) {
                    wrong_detail_ = true;
                    break;
                }
                detail_code_.reset(Field::absent);
                detail_message_.reset(Field::absent);
                detail_target_.reset(Field::absent);
                push(Frame::detail);
                return true;
            case Slot::skip: break;
            default: member_of(slot)->reset(Field::wrong); break;  // a container where a string must be
        }
        ++skipping_;
        return true;
    }

    bool close() {
        if (skipping_ > 0) {
            if (--skipping_ == 0) value_done();
            return true;
        }
        const Frame closed = top();
        --depth_;
        if (closed == Frame::error) error_closed_ = true;
        if (closed == Frame::detail) end_detail();
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

    bool key_end() {
        if (skipping_ > 0) return true;
        const std::string_view key(key_);
        next_ = Slot::skip;
        switch (top()) {
            case Frame::root:
                if (key == "error") {  // a repeated "error" replaces everything read of the last one
                    error_ = Field::pending;
                    error_closed_ = false;
                    code_.reset(Field::absent);
                    message_.reset(Field::absent);
                    target_.reset(Field::absent);
                    reset_details(Field::absent);
                    next_ = Slot::error;
                }
                break;
            case Frame::error:
                if (key == "code") next_ = begin_member(code_, Slot::code);
                if (key == "message") next_ = begin_member(message_, Slot::message);
                if (key == "target") next_ = begin_member(target_, Slot::target);
                if (key == "details") {
                    reset_details(Field::pending);
                    next_ = Slot::details;
                }
                break;
            case Frame::detail:
                if (key == "code") next_ = begin_member(detail_code_, Slot::detail_code);
                if (key == "message") next_ = begin_member(detail_message_, Slot::detail_message);
                if (key == "target") next_ = begin_member(detail_target_, Slot::detail_target);
                break;
            case Frame::details: break;  // arrays have no keys
        }
        key_.clear();
        return true;
    }

    static Slot begin_member(Text& member, Slot slot) {
        member.reset(Field::pending);
        return slot;
    }

    void reset_details(Field to) {
        details_ = to;
        kept_.clear();
        left_out_ = 0;
        wrong_detail_ = false;
    }

    // The member a slot's value goes to; only for the slots of strings.
    Text* member_of(Slot slot) noexcept {
        switch (slot) {
            case Slot::code: return &code_;
            case Slot::message: return &message_;
            case Slot::target: return &target_;
            case Slot::detail_code: return &detail_code_;
            case Slot::detail_message: return &detail_message_;
            case Slot::detail_target: return &detail_target_;
            default: return nullptr;
        }
    }

    // The member whose string is being read, if its text is kept: a detail's only while there is room.
    Text* text_member() noexcept {
        const bool of_detail = next_ == Slot::detail_code || next_ == Slot::detail_message || next_ == Slot::detail_target;
        if (of_detail && !keeping_detail()) return nullptr;
        return member_of(next_);
    }

    bool keeping_detail() const noexcept { return kept_.size() < max_error_details; }

    bool text_part(string_view s) {
        if (skipping_ > 0) return true;
        if (Text* member = text_member()) member->text.append(s.data(), s.size());
        return true;
    }

    bool value(Value kind) {
        if (skipping_ > 0) return true;
        switch (take_slot()) {
            case Slot::root:
            case Slot::skip: break;
            case Slot::error: error_ = Field::wrong; break;
            case Slot::code: set_required(code_, kind); break;
            case Slot::message: set_required(message_, kind); break;
            case Slot::target: set_optional(target_, kind); break;
            case Slot::details: details_ = kind == Value::null ? Field::null : Field::wrong; break;
            case Slot::detail: wrong_detail_ = true; break;
            case Slot::detail_code: set_required(detail_code_, kind); break;
            case Slot::detail_message: set_required(detail_message_, kind); break;
            case Slot::detail_target: set_optional(detail_target_, kind); break;
        }
        value_done();
        return true;
    }

    static void set_required(Text& member, Value kind) {
        if (kind == Value::string)
            member.state = Field::present;
        else
            member.reset(Field::wrong);
    }

    static void set_optional(Text& member, Value kind) {
        if (kind == Value::string)
            member.state = Field::present;
        else
            member.reset(kind == Value::null ? Field::null : Field::wrong);
    }

    void end_detail() {
        const bool valid = detail_code_.state == Field::present && detail_message_.state == Field::present &&
                           detail_target_.state != Field::wrong;
        if (!valid) {
            wrong_detail_ = true;
            return;
        }
        if (!keeping_detail()) {
            ++left_out_;
            return;
        }
        std::optional<std::string> target;
        if (detail_target_.state == Field::present) target = std::move(detail_target_.text);
        kept_.push_back({std::move(detail_code_.text), std::move(detail_message_.text), std::move(target)});
    }

    Slot next_ = Slot::root;
    std::array<Frame, 4> frames_{};
    std::size_t depth_ = 0;     // of frames_ in use
    std::size_t skipping_ = 0;  // depth inside a container that is skipped
    std::string key_{};

    bool root_is_object_ = false;
    Field error_ = Field::absent;
    bool error_closed_ = false;
    Text code_, message_, target_;
    Field details_ = Field::absent;
    std::vector<ErrorDetails> kept_{};
    std::size_t left_out_ = 0;
    bool wrong_detail_ = false;  // a detail that is not an ErrorDetailsApiModel
    Text detail_code_, detail_message_, detail_target_;
};

// Decodes {"error": ErrorApiModel} from an error answer's body. `cut`: the body is only the start of
// what the server sent; its model is then what was whole before the cut, and needs at least the
// code and the message.
// A template so that only a translation unit that reads error answers compiles the parser for it.
template <class = void>
std::expected<DecodedErrorBody, ErrorBodyMismatch> decode_error_body(std::string_view body, bool cut) {
    // The default options, as boost::json::parse has them: standard JSON, at most 32 levels deep.
    boost::json::basic_parser<ErrorBodyHandler> parser{boost::json::parse_options{}};
    boost::system::error_code ec;
    const std::size_t used = parser.write_some(cut, body.data(), body.size(), ec);
    if (ec || used != body.size()) return std::unexpected(ErrorBodyMismatch::not_json);
    return parser.handler().result(cut);
}

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_ERROR_BODY_DECODER_HPP
