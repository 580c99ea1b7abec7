// Internal to oci/: the typed walker over a json::Value tree that parse_config.cpp,
// parse_linux.cpp and state.cpp use. Not part of the library's interface.
//
// A Reader tracks the JSON path of the value being read, as a stack of segments that
// is only formatted when an error is thrown, and throws berth::Error with one line:
//   "<source>: .process.rlimits[0].hard: value -1 out of range for uint64"
// read_value() overloads convert one Value into one model type, moving strings out of
// the tree. JSON null is treated as an absent member everywhere, as Go's encoding/json
// (which writes most config.json files) does.
#pragma once

#include "oci/config.hpp"
#include "oci/json.hpp"

#include <fmt/format.h>

#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace berth::oci::detail {

using json::Value;

// The values an enum-like string may take, and what to call it in an error.
struct EnumSet {
    std::span<const std::string_view> values;
    const char* what;
    bool contains(std::string_view s) const;
};

// `s` JSON-escaped in double quotes, cut to a few dozen bytes: safe in a one-line message.
std::string quote(std::string_view s);

class Reader {
public:
    explicit Reader(std::string_view source) : source_(source) {}

    // Pushes a path segment; pops it when the guard goes out of scope.
    class [[nodiscard]] Segment {
    public:
        explicit Segment(Reader& r) : r_(r) {}
        ~Segment() { r_.path_.pop_back(); }
        Segment(const Segment&) = delete;
        Segment& operator=(const Segment&) = delete;

    private:
        Reader& r_;
    };
    Segment at(std::string_view key) {
        path_.push_back({key, 0, false});
        return Segment(*this);
    }
    Segment at(std::size_t index) {
        path_.push_back({{}, index, true});
        return Segment(*this);
    }

    // Throws "<source>: <path>: <reason>" for the current path.
    [[noreturn]] void fail(std::string_view reason) const;
    template <typename... Args>
    [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
        fail(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
    }

    void expect(const Value& v, Value::Kind kind) const;

    // Reads member `key` of object `obj` into `out` if present (and not null).
    template <typename T>
    bool opt(Value& obj, std::string_view key, T& out);
    // Same, but a missing member is an error.
    template <typename T>
    void req(Value& obj, std::string_view key, T& out);
    // A string, or array of strings, whose values must come from `set`.
    template <typename T>
    bool opt(Value& obj, std::string_view key, T& out, const EnumSet& set);
    template <typename T>
    void req(Value& obj, std::string_view key, T& out, const EnumSet& set);

    void check_enum(const std::string& s, const EnumSet& set);
    void check_enum(const std::vector<std::string>& list, const EnumSet& set);

private:
    struct Part {
        std::string_view key;
        std::size_t index;
        bool is_index;
    };
    std::string path() const;

    std::vector<Part> path_;
    std::string_view source_;
};

// Integer readers: the number's source text must be an integer within [lo, hi].
std::int64_t read_signed(Reader& r, const Value& v, std::int64_t lo, std::int64_t hi,
                         std::string_view type);
std::uint64_t read_unsigned(Reader& r, const Value& v, std::uint64_t hi, std::string_view type);

void read_value(Reader& r, Value& v, std::string& out);
void read_value(Reader& r, Value& v, bool& out);

template <std::integral T>
    requires(!std::same_as<T, bool>)
void read_value(Reader& r, Value& v, T& out) {
    constexpr std::string_view type = std::is_signed_v<T>
        ? (sizeof(T) == 8 ? "int64" : sizeof(T) == 4 ? "int32" : "int16")
        : (sizeof(T) == 8 ? "uint64" : sizeof(T) == 4 ? "uint32" : "uint16");
    if constexpr (std::is_signed_v<T>) {
        out = static_cast<T>(read_signed(r, v, std::numeric_limits<T>::min(),
                                         std::numeric_limits<T>::max(), type));
    } else {
        out = static_cast<T>(read_unsigned(r, v, std::numeric_limits<T>::max(), type));
    }
}

// The struct readers, defined in parse_config.cpp and parse_linux.cpp.
void read_value(Reader& r, Value& v, IdMapping& out);
void read_value(Reader& r, Value& v, Root& out);
void read_value(Reader& r, Value& v, Mount& out);
void read_value(Reader& r, Value& v, ConsoleSize& out);
void read_value(Reader& r, Value& v, User& out);
void read_value(Reader& r, Value& v, Capabilities& out);
void read_value(Reader& r, Value& v, Rlimit& out);
void read_value(Reader& r, Value& v, Scheduler& out);
void read_value(Reader& r, Value& v, IoPriority& out);
void read_value(Reader& r, Value& v, CpuAffinity& out);
void read_value(Reader& r, Value& v, Process& out);
void read_value(Reader& r, Value& v, Hook& out);
void read_value(Reader& r, Value& v, Hooks& out);
void read_value(Reader& r, Value& v, Namespace& out);
void read_value(Reader& r, Value& v, TimeOffset& out);
void read_value(Reader& r, Value& v, Device& out);
void read_value(Reader& r, Value& v, NetDevice& out);
void read_value(Reader& r, Value& v, DeviceCgroupRule& out);
void read_value(Reader& r, Value& v, Memory& out);
void read_value(Reader& r, Value& v, Cpu& out);
void read_value(Reader& r, Value& v, Pids& out);
void read_value(Reader& r, Value& v, WeightDevice& out);
void read_value(Reader& r, Value& v, ThrottleDevice& out);
void read_value(Reader& r, Value& v, BlockIo& out);
void read_value(Reader& r, Value& v, HugepageLimit& out);
void read_value(Reader& r, Value& v, InterfacePriority& out);
void read_value(Reader& r, Value& v, Network& out);
void read_value(Reader& r, Value& v, Rdma& out);
void read_value(Reader& r, Value& v, Resources& out);
void read_value(Reader& r, Value& v, IntelRdt& out);
void read_value(Reader& r, Value& v, MemoryPolicy& out);
void read_value(Reader& r, Value& v, SeccompArg& out);
void read_value(Reader& r, Value& v, SeccompSyscall& out);
void read_value(Reader& r, Value& v, Seccomp& out);
void read_value(Reader& r, Value& v, Personality& out);
void read_value(Reader& r, Value& v, LinuxConfig& out);

template <typename T>
void read_value(Reader& r, Value& v, std::optional<T>& out) {
    read_value(r, v, out.emplace());
}

template <typename T>
void read_value(Reader& r, Value& v, std::vector<T>& out) {
    r.expect(v, Value::Kind::array);
    out.clear();
    out.reserve(v.items.size());
    for (std::size_t i = 0; i < v.items.size(); ++i) {
        auto segment = r.at(i);
        read_value(r, v.items[i], out.emplace_back());
    }
}

// An object used as a map; keys must not be empty (config.md#annotations says so for
// annotations, and no other map of the spec gives an empty key a meaning).
template <typename T>
void read_value(Reader& r, Value& v, std::map<std::string, T>& out) {
    r.expect(v, Value::Kind::object);
    out.clear();
    for (auto& [key, member] : v.members) {
        T item{};
        {
            auto segment = r.at(key);
            if (key.empty()) {
                r.fail("key must not be empty");
            }
            read_value(r, member, item);
        }
        out.insert_or_assign(std::move(key), std::move(item));
    }
}

template <typename T>
bool Reader::opt(Value& obj, std::string_view key, T& out) {
    Value* member = obj.find(key);
    if (member == nullptr || member->kind == Value::Kind::null) {
        return false;
    }
    auto segment = at(key);
    read_value(*this, *member, out);
    return true;
}

template <typename T>
void Reader::req(Value& obj, std::string_view key, T& out) {
    if (!opt(obj, key, out)) {
        auto segment = at(key);
        fail("missing required field");
    }
}

template <typename T>
bool Reader::opt(Value& obj, std::string_view key, T& out, const EnumSet& set) {
    if (!opt(obj, key, out)) {
        return false;
    }
    auto segment = at(key);
    check_enum(out, set);
    return true;
}

template <typename T>
void Reader::req(Value& obj, std::string_view key, T& out, const EnumSet& set) {
    req(obj, key, out);
    auto segment = at(key);
    check_enum(out, set);
}

// config.md#specification-version: SemVer 2.0.0 with major version 1.
void check_oci_version(Reader& r, const std::string& version);

// An absolute path: starts with '/'.
void check_absolute(Reader& r, const std::string& path);
void check_absolute(Reader& r, const std::vector<std::string>& paths);

}  // namespace berth::oci::detail
