// SPDX-License-Identifier: BSL-1.0
// Everything the tool writes to stdout and stderr, with the token masked. The library seals its
// errors and observer events, but what the server sends as data (a schedule's fields, a page's
// link) is printed as it came: a server or gateway that reflects the token would otherwise put it
// into terminals and CI logs. One stream buffer in front of each stream, installed as soon as the
// token is known, so no output path of the tool can go around it.
#pragma once

#include <k6/schedules/redactor.hpp>

#include <iostream>
#include <streambuf>
#include <string>

namespace k6::cli {

class RedactingBuffer final : public std::streambuf {
public:
    RedactingBuffer(std::streambuf* target, const k6::schedules::Redactor& redactor)
        : target_(target), redactor_(redactor) {}
    RedactingBuffer(const RedactingBuffer&) = delete;
    RedactingBuffer& operator=(const RedactingBuffer&) = delete;
    ~RedactingBuffer() override { write_out(pending_.size()); }

protected:
    int_type overflow(int_type ch) override {
        if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
        const char c = traits_type::to_char_type(ch);
        pending_.push_back(c);
        if (c == '\n') write_out(pending_.size());
        return ch;
    }

    std::streamsize xsputn(const char* text, std::streamsize count) override {
        pending_.append(text, static_cast<std::size_t>(count));
        // Whole lines go out at once; a line still being written waits for its end (or a flush),
        // so that a secret is masked even when it was written in pieces.
        if (const auto end = pending_.rfind('\n'); end != std::string::npos) write_out(end + 1);
        return count;
    }

    int sync() override {
        write_out(pending_.size());  // a flush: the progress line, say, which has no newline
        return target_->pubsync();
    }

private:
    void write_out(std::size_t bytes) {
        if (bytes == 0) return;
        const std::string masked = redactor_.redact(std::string_view(pending_).substr(0, bytes));
        target_->sputn(masked.data(), static_cast<std::streamsize>(masked.size()));
        pending_.erase(0, bytes);
    }

    std::streambuf* target_;
    const k6::schedules::Redactor& redactor_;
    std::string pending_;
};

// Puts a RedactingBuffer in front of std::cout and std::cerr for its lifetime.
class RedactedStreams {
public:
    explicit RedactedStreams(k6::schedules::Redactor redactor)
        : redactor_(std::move(redactor)),
          out_(std::cout.rdbuf(), redactor_),
          err_(std::cerr.rdbuf(), redactor_),
          saved_out_(std::cout.rdbuf(&out_)),
          saved_err_(std::cerr.rdbuf(&err_)) {}
    RedactedStreams(const RedactedStreams&) = delete;
    RedactedStreams& operator=(const RedactedStreams&) = delete;
    ~RedactedStreams() {
        std::cout.flush();
        std::cerr.flush();
        std::cout.rdbuf(saved_out_);
        std::cerr.rdbuf(saved_err_);
    }

private:
    k6::schedules::Redactor redactor_;
    RedactingBuffer out_;
    RedactingBuffer err_;
    std::streambuf* saved_out_;
    std::streambuf* saved_err_;
};

}  // namespace k6::cli
