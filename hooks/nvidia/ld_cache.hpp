// A reader for glibc's /etc/ld.so.cache, the way the dynamic loader reads it.
//
// Accepts the "glibc-ld.so.cache1.1" format alone (glibc >= 2.32 writes only this), after
// an "ld.so-1.7.0" part (the compat format), and the old format alone. New-format string
// offsets are relative to the new header. Every offset and count is bounds-checked:
// malformed input throws berth::Error and never reads outside the buffer
// (tests/fuzz/fuzz_ld_cache.cpp).
// Pure; parent side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

// Entry flags from glibc's ldconfig.h.
inline constexpr std::int32_t kLdFlagTypeMask = 0x00ff;
inline constexpr std::int32_t kLdFlagElfLibc6 = 0x0003;
inline constexpr std::int32_t kLdFlagArchMask = 0xff00;
inline constexpr std::int32_t kLdFlagX8664Lib64 = 0x0300;
inline constexpr std::int32_t kLdFlagAArch64Lib64 = 0x0a00;

struct LdCacheEntry {
    std::int32_t flags = 0;
    std::string soname;  // the key, e.g. "libcuda.so.1"
    std::string path;    // the value, e.g. "/usr/lib/x86_64-linux-gnu/libcuda.so.1"
    std::uint64_t hwcap = 0;
};

// Which ld.so.cache entries a library of this build's architecture has: x86-64 libc6
// (0x0303) on x86_64, and i386 libc6 (0x0003) as the 32-bit variant; aarch64 has no
// 32-bit variant (flags 0 = none).
struct LdCacheArch {
    std::int32_t native = 0;
    std::int32_t compat32 = 0;
};
LdCacheArch host_ld_cache_arch();

// Parses the whole file. Entries keep file order (the loader's order: sorted by
// soname, most preferred first). Throws berth::Error "<source>: <reason>".
std::vector<LdCacheEntry> parse_ld_cache(std::span<const std::byte> data,
                                         std::string_view source = "ld.so.cache");

}  // namespace berth::nvidia
