// Strict typed access to a json::Value tree, for the CDI spec and the config file.
//
// Pure; parent side. Every error is berth::Error "<source>: <path>: <reason>", with a
// JSON path such as ".devices[0].containerEdits.mounts[1].hostPath". An ObjectReader
// remembers which members were read, so finish() can reject unknown ones, as CDI
// requires. With `lenient_scalars` (documents that came from YAML) a number or boolean
// is accepted where a string is expected, as Go's yaml decoder does.
#pragma once

#include "oci/json.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

struct JsonContext {
    std::string source;
    bool lenient_scalars = false;
};

[[noreturn]] void throw_at(const JsonContext& ctx, std::string_view path, std::string_view reason);

std::string json_string(const JsonContext& ctx, const json::Value& v, std::string_view path);
bool json_bool(const JsonContext& ctx, const json::Value& v, std::string_view path);
std::int64_t json_int(const JsonContext& ctx, const json::Value& v, std::string_view path, std::int64_t min,
                      std::int64_t max);
std::vector<std::string> json_strings(const JsonContext& ctx, const json::Value& v, std::string_view path);
// Calls fn(item, "<path>[i]") for each element; throws unless `v` is an array.
template <typename Fn>
void json_each(const JsonContext& ctx, const json::Value& v, std::string_view path, Fn&& fn) {
    if (v.kind != json::Value::Kind::array) throw_at(ctx, path, "expected an array");
    for (size_t i = 0; i < v.items.size(); ++i)
        fn(v.items[i], std::string(path) + "[" + std::to_string(i) + "]");
}

class ObjectReader {
public:
    // Throws unless `v` is an object. `v` must outlive the reader.
    ObjectReader(const JsonContext& ctx, const json::Value& v, std::string path);

    // The member, marked as known, or nullptr if absent. A JSON null counts as absent.
    const json::Value* get(std::string_view key);
    const json::Value& require(std::string_view key);
    std::string path(std::string_view key) const { return path_ + "." + std::string(key); }
    const JsonContext& context() const { return ctx_; }

    // Shorthands for optional members; absent leaves `out` unchanged.
    void read(std::string_view key, std::string& out);
    void read(std::string_view key, bool& out);
    void read(std::string_view key, std::vector<std::string>& out);

    // Throws for the first member never asked for.
    void finish() const;

private:
    const JsonContext& ctx_;
    const json::Value& value_;
    std::string path_;
    std::vector<std::string_view> known_;
};

}  // namespace berth::nvidia
