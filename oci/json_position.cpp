#include "oci/json_position.hpp"

#include <optional>

namespace berth::json::detail {

namespace {

struct Token {
    std::size_t start = 0;
    std::size_t end = 0;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Lexes JSON one token at a time with yajl's rules (no comments, UTF-8 checked the
// way yajl checks it: lead byte and continuation count only).
class Lexer {
public:
    explicit Lexer(std::string_view text) : text_(text) {}

    // The next token, or nullopt at the end of input, at an unterminated token
    // (premature EOF is not a lexical error) or at a lexical error (see error()).
    std::optional<Token> next() {
        while (pos_ < text_.size() && is_space(text_[pos_])) {
            ++pos_;
        }
        if (pos_ >= text_.size()) {
            return std::nullopt;
        }
        Token t{pos_, pos_};
        char c = text_[pos_];
        bool ok = false;
        if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
            ++pos_;
            ok = true;
        } else if (c == '"') {
            ok = string();
        } else if (c == '-' || is_digit(c)) {
            ok = number();
        } else if (c == 't' || c == 'f' || c == 'n') {
            ok = literal(c == 't' ? "true" : c == 'f' ? "false" : "null");
        } else {
            error_ = pos_;
        }
        if (!ok) {
            return std::nullopt;
        }
        t.end = pos_;
        return t;
    }

    std::optional<std::size_t> error() const { return error_; }

private:
    bool fail_at(std::size_t p) {
        error_ = p;
        return false;
    }

    bool at_end() const { return pos_ >= text_.size(); }

    bool string() {
        ++pos_;
        while (!at_end()) {
            auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c < 0x20) {
                return fail_at(pos_);
            }
            if (c == '\\') {
                if (!escape()) {
                    return false;
                }
            } else if (c >= 0x80) {
                if (!utf8(c)) {
                    return false;
                }
            } else {
                ++pos_;
            }
        }
        return false;
    }

    bool escape() {
        ++pos_;
        if (at_end()) {
            return false;
        }
        char e = text_[pos_];
        if (e == 'u') {
            for (int i = 0; i < 4; ++i) {
                ++pos_;
                if (at_end()) {
                    return false;
                }
                if (!is_hex(text_[pos_])) {
                    return fail_at(pos_);
                }
            }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
            return fail_at(pos_);
        }
        ++pos_;
        return true;
    }

    bool utf8(unsigned char lead) {
        int follow = lead >= 0xF0 && lead <= 0xF7   ? 3
                     : lead >= 0xE0 && lead <= 0xEF ? 2
                     : lead >= 0xC0 && lead <= 0xDF ? 1
                                                    : -1;
        if (follow < 0) {
            return fail_at(pos_);
        }
        std::size_t start = pos_;
        for (int i = 0; i < follow; ++i) {
            ++pos_;
            if (at_end()) {
                return false;
            }
            if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
                return fail_at(start);
            }
        }
        ++pos_;
        return true;
    }

    bool digits() {
        if (at_end()) {
            return false;
        }
        if (!is_digit(text_[pos_])) {
            return fail_at(pos_);
        }
        while (!at_end() && is_digit(text_[pos_])) {
            ++pos_;
        }
        return true;
    }

    bool number() {
        if (text_[pos_] == '-') {
            ++pos_;
        }
        if (!at_end() && text_[pos_] == '0') {
            ++pos_;  // "01" is two numbers to yajl; the parser then rejects the second
        } else if (!digits()) {
            return false;
        }
        if (!at_end() && text_[pos_] == '.') {
            ++pos_;
            if (!digits()) {
                return false;
            }
        }
        if (!at_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (!at_end() && (text_[pos_] == '+' || text_[pos_] == '-')) {
                ++pos_;
            }
            if (!digits()) {
                return false;
            }
        }
        return true;
    }

    bool literal(std::string_view word) {
        for (char w : word) {
            if (at_end()) {
                return false;
            }
            if (text_[pos_] != w) {
                return fail_at(pos_);
            }
            ++pos_;
        }
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::optional<std::size_t> error_;
};

}  // namespace

std::size_t locate_error(std::string_view text, std::size_t yajl_offset, ErrorKind kind) {
    Lexer lexer(text);
    while (auto token = lexer.next()) {
        if (kind == ErrorKind::inside_token && token->start <= yajl_offset && yajl_offset < token->end) {
            return token->start;
        }
        if (kind == ErrorKind::after_token && token->end == yajl_offset) {
            return token->start;
        }
        if (token->start > yajl_offset) {
            break;
        }
    }
    // A lexical error is its own answer; before yajl's offset it is also the token a
    // parse error rejects (trailing garbage such as "} x" is lexed, then refused).
    if (lexer.error() && (kind == ErrorKind::lexical || *lexer.error() <= yajl_offset)) {
        return *lexer.error();
    }
    // The two lexers disagree (or the error is at the end of input): trust yajl.
    return yajl_offset;
}

}  // namespace berth::json::detail
