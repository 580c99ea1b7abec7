#include "hooks/nvidia/json_fields.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <charconv>

namespace berth::nvidia {

using Kind = json::Value::Kind;

void throw_at(const JsonContext& ctx, std::string_view path, std::string_view reason) {
    throw_error("{}: {}: {}", ctx.source, path.empty() ? "." : path, reason);
}

std::string json_string(const JsonContext& ctx, const json::Value& v, std::string_view path) {
    if (v.kind == Kind::string) return v.text;
    if (ctx.lenient_scalars && (v.kind == Kind::number || v.kind == Kind::boolean)) return v.text;
    throw_at(ctx, path, "expected a string");
}

bool json_bool(const JsonContext& ctx, const json::Value& v, std::string_view path) {
    if (v.kind != Kind::boolean) throw_at(ctx, path, "expected true or false");
    return v.boolean;
}

std::int64_t json_int(const JsonContext& ctx, const json::Value& v, std::string_view path, std::int64_t min,
                      std::int64_t max) {
    std::int64_t value = 0;
    if (v.kind != Kind::number) throw_at(ctx, path, "expected an integer");
    const char* end = v.text.data() + v.text.size();
    auto [ptr, ec] = std::from_chars(v.text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value < min || value > max)
        throw_at(ctx, path,
                 "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                     v.text);
    return value;
}

std::vector<std::string> json_strings(const JsonContext& ctx, const json::Value& v, std::string_view path) {
    std::vector<std::string> out;
    json_each(ctx, v, path, [&](const json::Value& item, const std::string& p) {
        out.push_back(json_string(ctx, item, p));
    });
    return out;
}

ObjectReader::ObjectReader(const JsonContext& ctx, const json::Value& v, std::string path)
    : ctx_(ctx), value_(v), path_(std::move(path)) {
    if (v.kind != Kind::object) throw_at(ctx, path_, "expected an object");
}

const json::Value* ObjectReader::get(std::string_view key) {
    known_.push_back(key);
    const json::Value* member = value_.find(key);
    return member == nullptr || member->kind == Kind::null ? nullptr : member;
}

const json::Value& ObjectReader::require(std::string_view key) {
    const json::Value* member = get(key);
    if (member == nullptr) throw_at(ctx_, path(key), "required");
    return *member;
}

void ObjectReader::read(std::string_view key, std::string& out) {
    if (const json::Value* v = get(key)) out = json_string(ctx_, *v, path(key));
}

void ObjectReader::read(std::string_view key, bool& out) {
    if (const json::Value* v = get(key)) out = json_bool(ctx_, *v, path(key));
}

void ObjectReader::read(std::string_view key, std::vector<std::string>& out) {
    if (const json::Value* v = get(key)) out = json_strings(ctx_, *v, path(key));
}

void ObjectReader::finish() const {
    for (const auto& [key, value] : value_.members) {
        if (std::find(known_.begin(), known_.end(), key) == known_.end())
            throw_at(ctx_, path_ + "." + key, "unknown field");
    }
}

}  // namespace berth::nvidia
