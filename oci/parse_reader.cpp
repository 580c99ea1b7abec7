#include "oci/parse_reader.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace berth::oci::detail {

namespace {

// Long user values (a 10 MB string, a 1000-digit number) are cut in messages.
constexpr std::size_t kQuoteLimit = 64;

const char* kind_name(Value::Kind kind) {
    switch (kind) {
        case Value::Kind::null: return "null";
        case Value::Kind::boolean: return "boolean";
        case Value::Kind::number: return "number";
        case Value::Kind::string: return "string";
        case Value::Kind::array: return "array";
        case Value::Kind::object: return "object";
    }
    return "value";
}

bool is_identifier(std::string_view key) {
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0])) != 0) {
        return false;
    }
    return std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
}

// The number text, cut like a quoted string so a huge number cannot flood a message.
std::string_view number_text(const Value& v) {
    return std::string_view(v.text).substr(0, kQuoteLimit);
}

}  // namespace

bool EnumSet::contains(std::string_view s) const {
    return std::find(values.begin(), values.end(), s) != values.end();
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    std::size_t n = s.size();
    bool cut = n > kQuoteLimit;
    if (cut) {
        n = kQuoteLimit;
        // Do not split a UTF-8 sequence: back off over continuation bytes.
        while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) {
            --n;
        }
    }
    for (char c : s.substr(0, n)) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\u{:04x}", u);
        } else {
            out += c;
        }
    }
    out += '"';
    if (cut) {
        out += "...";
    }
    return out;
}

std::string Reader::path() const {
    if (path_.empty()) {
        return ".";
    }
    std::string out;
    for (const Part& part : path_) {
        if (part.is_index) {
            out += fmt::format("[{}]", part.index);
        } else if (is_identifier(part.key)) {
            out += '.';
            out += part.key;
        } else {
            out += '[';
            out += quote(part.key);
            out += ']';
        }
    }
    return out;
}

void Reader::fail(std::string_view reason) const {
    throw Error(fmt::format("{}: {}: {}", source_, path(), reason));
}

void Reader::expect(const Value& v, Value::Kind kind) const {
    if (v.kind != kind) {
        fail("expected {}, got {}", kind_name(kind), kind_name(v.kind));
    }
}

void Reader::check_enum(const std::string& s, const EnumSet& set) {
    if (!set.contains(s)) {
        fail("unknown {} {}", set.what, quote(s));
    }
}

void Reader::check_enum(const std::vector<std::string>& list, const EnumSet& set) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto segment = at(i);
        check_enum(list[i], set);
    }
}

void read_value(Reader& r, Value& v, std::string& out) {
    r.expect(v, Value::Kind::string);
    // A NUL would silently cut the value short at the first C API (paths, argv, env).
    if (std::memchr(v.text.data(), '\0', v.text.size()) != nullptr) {
        r.fail("string contains a NUL character");
    }
    out = std::move(v.text);
}

void read_value(Reader& r, Value& v, bool& out) {
    r.expect(v, Value::Kind::boolean);
    out = v.boolean;
}

namespace {

// The digits of an integer number text, failing on fractions and exponents, which
// Go's encoding/json also rejects for integer fields.
std::string_view integer_digits(Reader& r, const Value& v) {
    if (v.kind != Value::Kind::number) {
        r.fail("expected integer, got {}", kind_name(v.kind));
    }
    if (v.text.find_first_of(".eE") != std::string::npos) {
        r.fail("expected integer, got {}", number_text(v));
    }
    return v.text;
}

[[noreturn]] void out_of_range(Reader& r, const Value& v, std::string_view type) {
    r.fail("value {}{} out of range for {}", number_text(v), v.text.size() > kQuoteLimit ? "..." : "",
           type);
}

}  // namespace

std::int64_t read_signed(Reader& r, const Value& v, std::int64_t lo, std::int64_t hi,
                         std::string_view type) {
    std::string_view text = integer_digits(r, v);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi) {
        out_of_range(r, v, type);
    }
    return value;
}

std::uint64_t read_unsigned(Reader& r, const Value& v, std::uint64_t hi, std::string_view type) {
    std::string_view text = integer_digits(r, v);
    if (text == "-0") {
        return 0;
    }
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > hi) {
        out_of_range(r, v, type);
    }
    return value;
}

namespace {

// SemVer 2.0.0 numeric identifier: "0" or digits without a leading zero.
bool is_numeric_identifier(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           (s.size() == 1 || s[0] != '0');
}

// Dot-separated non-empty [0-9A-Za-z-] identifiers; numeric ones in a pre-release
// must not have leading zeros.
bool is_dotted_identifiers(std::string_view s, bool prerelease) {
    while (true) {
        std::size_t dot = s.find('.');
        std::string_view id = s.substr(0, dot);
        if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
            })) {
            return false;
        }
        bool numeric = std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (prerelease && numeric && !is_numeric_identifier(id)) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        s.remove_prefix(dot + 1);
    }
}

bool is_semver(std::string_view v) {
    std::size_t plus = v.find('+');
    if (plus != std::string_view::npos) {
        if (!is_dotted_identifiers(v.substr(plus + 1), false)) {
            return false;
        }
        v = v.substr(0, plus);
    }
    std::size_t dash = v.find('-');
    if (dash != std::string_view::npos) {
        if (!is_dotted_identifiers(v.substr(dash + 1), true)) {
            return false;
        }
        v = v.substr(0, dash);
    }
    for (int part = 0; part < 3; ++part) {
        std::size_t dot = v.find('.');
        if ((part < 2) == (dot == std::string_view::npos) || !is_numeric_identifier(v.substr(0, dot))) {
            return false;
        }
        v = part < 2 ? v.substr(dot + 1) : std::string_view();
    }
    return true;
}

}  // namespace

void check_oci_version(Reader& r, const std::string& version) {
    if (!is_semver(version)) {
        r.fail("{} is not a SemVer 2.0.0 version", quote(version));
    }
    if (!version.starts_with("1.")) {
        r.fail("unsupported version {}: berth supports runtime-spec 1.x", quote(version));
    }
}

void check_absolute(Reader& r, const std::string& path) {
    if (!path.starts_with('/')) {
        r.fail("{} is not an absolute path", quote(path));
    }
}

void check_absolute(Reader& r, const std::vector<std::string>& paths) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
        auto segment = r.at(i);
        check_absolute(r, paths[i]);
    }
}

}  // namespace berth::oci::detail
