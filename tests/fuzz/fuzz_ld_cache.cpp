// libFuzzer target for the ld.so.cache reader (hooks/nvidia/ld_cache.cpp): any input
// must either parse or throw berth::Error, never read out of bounds or crash. Seed it
// with real caches: `ldconfig -C corpus/new -f /dev/null -c new` (and -c compat, old).
#include "hooks/nvidia/ld_cache.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto entries = berth::nvidia::parse_ld_cache(std::as_bytes(std::span(data, size)), "fuzz");
        // Every string is a copy of bytes of the input, so none can be longer.
        for (const auto& e : entries)
            if (e.soname.size() >= size || e.path.size() >= size) __builtin_trap();
    } catch (const berth::Error&) {
    }
    return 0;
}
