// A small JSON document tree and writer. The only place that touches yajl is json.cpp.
//
// parse() builds the tree in one yajl pass; numbers keep their source text so callers
// can read them as int64 or uint64 without loss. Writer produces compact JSON, or
// tab-indented JSON (as `runc spec` writes it) when asked to be pretty.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::json {

struct Member;

struct Value {
    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    bool boolean = false;
    std::string text;  // string value, or the number's source text
    std::vector<Value> items;      // array
    std::vector<Member> members;  // object, in document order

    // Object member by key, or nullptr. parse() keeps only the last of repeated keys.
    const Value* find(std::string_view key) const;
    Value* find(std::string_view key);
};

// An object member. Pair-like (first/second) but a complete type of its own:
// std::pair<std::string, Value> cannot be instantiated while Value is incomplete.
struct Member {
    std::string first;
    Value second;

    Member() = default;
    Member(std::string key, Value value) : first(std::move(key)), second(std::move(value)) {}
};

// Parses a whole document (UTF-8, no comments, exactly one value). Throws berth::Error
// "<source>: line L, column C: <reason>" on a syntax error, on empty input and on
// more than kMaxDepth nested arrays/objects. When an object repeats a key, the last
// occurrence wins and the earlier ones are dropped from the tree.
// kMaxDepth stays below yajl_gen's own limit (127) so any parsed tree can be written.
inline constexpr int kMaxDepth = 100;
Value parse(std::string_view text, std::string_view source = "json");

// Streaming writer. Misuse (unbalanced begin/end, a value where a key is due, nesting
// deeper than kMaxDepth) throws berth::Error; otherwise only std::bad_alloc.
class Writer {
public:
    explicit Writer(bool pretty = false);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view k);
    Writer& string(std::string_view s);
    Writer& integer(std::int64_t v);
    Writer& unsigned_integer(std::uint64_t v);
    Writer& boolean(bool v);
    Writer& null();
    // Writes a parsed Value back out.
    Writer& value(const Value& v);

    // The document so far (call after closing the top-level value).
    std::string str() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The yajl library's version, "2.1.0" (for `berth --version`).
std::string library_version();

}  // namespace berth::json
