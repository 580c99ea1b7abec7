#include "hooks/nvidia/ld_cache.hpp"

#include "util/error.hpp"

#include <cstring>

namespace berth::nvidia {
namespace {

// glibc sysdeps/generic/dl-cache.h
constexpr std::string_view kOldMagic{"ld.so-1.7.0", 11};
constexpr std::string_view kNewMagic{"glibc-ld.so.cache1.1", 20};
constexpr size_t kOldHeaderSize = 12 + 4;  // magic padded to 12, nlibs
constexpr size_t kOldEntrySize = 12;       // int32 flags, u32 key, u32 value
constexpr size_t kNewHeaderSize = 20 + 4 + 4 + 1 + 3 + 4 + 12;
constexpr size_t kNewEntrySize = 24;  // int32 flags, u32 key, value, osversion, u64 hwcap
constexpr size_t kNewAlign = 8;       // alignof(struct cache_file_new)
constexpr size_t kFlagsOffset = 28;   // the endianness byte (glibc >= 2.33)
constexpr std::uint8_t kEndianBig = 3;
// Far above any real cache (a full distribution has a few thousand entries); it only
// bounds the work a hostile header can ask for.
constexpr std::uint32_t kMaxEntries = 1u << 20;

template <typename T>
T load(std::span<const std::byte> data, size_t offset) {
    T value;
    std::memcpy(&value, data.data() + offset, sizeof value);
    return value;
}

bool has_prefix(std::span<const std::byte> data, size_t offset, std::string_view magic) {
    return data.size() >= offset + magic.size() &&
           std::memcmp(data.data() + offset, magic.data(), magic.size()) == 0;
}

// The NUL-terminated string at `base + offset`, which must end inside the buffer.
std::string string_at(std::span<const std::byte> data, size_t base, std::uint32_t offset,
                      std::string_view source) {
    if (base > data.size() || offset >= data.size() - base)
        throw_error("{}: string offset {} out of range", source, offset);
    size_t start = base + offset;
    const char* begin = reinterpret_cast<const char*>(data.data()) + start;
    const void* nul = std::memchr(begin, 0, data.size() - start);
    if (nul == nullptr) throw_error("{}: unterminated string at offset {}", source, offset);
    return std::string(begin, static_cast<const char*>(nul));
}

// The old format alone (`ldconfig -c old`): strings are relative to the end of the
// entry array, as glibc's loader reads them.
std::vector<LdCacheEntry> parse_old(std::span<const std::byte> data, std::uint32_t count,
                                    std::string_view source) {
    size_t strings = kOldHeaderSize + size_t{count} * kOldEntrySize;
    if (strings > data.size())
        throw_error("{}: {} entries do not fit in {} bytes", source, count, data.size());
    std::vector<LdCacheEntry> entries;
    entries.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        size_t at = kOldHeaderSize + i * kOldEntrySize;
        LdCacheEntry entry;
        entry.flags = load<std::int32_t>(data, at);
        entry.soname = string_at(data, strings, load<std::uint32_t>(data, at + 4), source);
        entry.path = string_at(data, strings, load<std::uint32_t>(data, at + 8), source);
        entries.push_back(std::move(entry));
    }
    return entries;
}

}  // namespace

LdCacheArch host_ld_cache_arch() {
#if defined(__x86_64__)
    return {kLdFlagElfLibc6 | kLdFlagX8664Lib64, kLdFlagElfLibc6};
#elif defined(__aarch64__)
    return {kLdFlagElfLibc6 | kLdFlagAArch64Lib64, 0};
#else
#error "berth's NVIDIA support knows the ld.so.cache flags of x86_64 and aarch64 only"
#endif
}

std::vector<LdCacheEntry> parse_ld_cache(std::span<const std::byte> data, std::string_view source) {
    size_t base = 0;
    if (!has_prefix(data, 0, kNewMagic)) {
        if (!has_prefix(data, 0, kOldMagic)) throw_error("{}: not an ld.so.cache file", source);
        if (data.size() < kOldHeaderSize) throw_error("{}: truncated old header", source);
        std::uint32_t old_count = load<std::uint32_t>(data, 12);
        if (old_count > kMaxEntries) throw_error("{}: {} entries is too many", source, old_count);
        size_t end = kOldHeaderSize + size_t{old_count} * kOldEntrySize;
        // The combined format puts the new header after the old entries, aligned; the
        // new part is preferred, as the loader does, because it has the hwcap field.
        base = (end + kNewAlign - 1) & ~(kNewAlign - 1);
        if (!has_prefix(data, base, kNewMagic)) return parse_old(data, old_count, source);
    }
    if (data.size() - base < kNewHeaderSize) throw_error("{}: truncated header", source);
    std::uint32_t count = load<std::uint32_t>(data, base + 20);
    std::uint32_t strings_len = load<std::uint32_t>(data, base + 24);
    if (load<std::uint8_t>(data, base + kFlagsOffset) == kEndianBig)
        throw_error("{}: big-endian cache on a little-endian host", source);
    if (count > kMaxEntries) throw_error("{}: {} entries is too many", source, count);
    size_t entries_end = base + kNewHeaderSize + size_t{count} * kNewEntrySize;
    if (entries_end > data.size())
        throw_error("{}: {} entries do not fit in {} bytes", source, count, data.size());
    if (strings_len > data.size() - entries_end)
        throw_error("{}: string table of {} bytes does not fit", source, strings_len);

    std::vector<LdCacheEntry> entries;
    entries.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        size_t at = base + kNewHeaderSize + i * kNewEntrySize;
        LdCacheEntry entry;
        entry.flags = load<std::int32_t>(data, at);
        entry.soname = string_at(data, base, load<std::uint32_t>(data, at + 4), source);
        entry.path = string_at(data, base, load<std::uint32_t>(data, at + 8), source);
        entry.hwcap = load<std::uint64_t>(data, at + 16);
        entries.push_back(std::move(entry));
    }
    return entries;
}

}  // namespace berth::nvidia
