// ld.so.cache: real caches written by this host's ldconfig in all three formats, and
// handcrafted and damaged ones that must be rejected without reading out of bounds.
#include "hooks/nvidia/ld_cache.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <random>

namespace berth::nvidia {
namespace {

using test::TempDir;

std::vector<LdCacheEntry> parse(const std::string& data) {
    return parse_ld_cache(std::as_bytes(std::span(data.data(), data.size())));
}

template <typename T>
void put(std::string& s, T v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
}

struct Spec {
    std::int32_t flags;
    std::string key, value;
};

// A new-format cache, optionally behind an old header with no entries.
std::string make_cache(const std::vector<Spec>& entries, bool old_prefix = false) {
    std::string header, strings;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> offsets;
    size_t table = 48 + entries.size() * 24;
    for (const Spec& e : entries) {
        auto k = static_cast<std::uint32_t>(table + strings.size());
        strings += e.key + '\0';
        auto v = static_cast<std::uint32_t>(table + strings.size());
        strings += e.value + '\0';
        offsets.emplace_back(k, v);
    }
    header = std::string("glibc-ld.so.cache1.1", 20);
    put<std::uint32_t>(header, static_cast<std::uint32_t>(entries.size()));
    put<std::uint32_t>(header, static_cast<std::uint32_t>(strings.size()));
    header += std::string(1, '\2') + std::string(3, '\0');  // little endian
    header += std::string(16, '\0');
    for (size_t i = 0; i < entries.size(); ++i) {
        put<std::int32_t>(header, entries[i].flags);
        put<std::uint32_t>(header, offsets[i].first);
        put<std::uint32_t>(header, offsets[i].second);
        put<std::uint32_t>(header, 0);
        put<std::uint64_t>(header, 0);
    }
    std::string out;
    if (old_prefix) {
        out = std::string("ld.so-1.7.0\0", 12);
        put<std::uint32_t>(out, 0);  // 16 bytes: already 8-aligned
    }
    return out + header + strings;
}

std::string ldconfig_cache(const TempDir& dir, const char* format) {
    std::string out = dir.path() + "/cache." + format;
    std::string cmd = "ldconfig -C '" + out + "' -f /dev/null -c " + format + " 2>/dev/null";
    BOOST_REQUIRE_EQUAL(std::system(cmd.c_str()), 0);
    return test::read_text(out);
}

bool has_libc(const std::vector<LdCacheEntry>& entries) {
    LdCacheArch arch = host_ld_cache_arch();
    for (const auto& e : entries)
        if (e.soname == "libc.so.6" && e.flags == arch.native && e.path.ends_with("/libc.so.6")) return true;
    return false;
}

BOOST_AUTO_TEST_SUITE(ld_cache)

BOOST_AUTO_TEST_CASE(real_caches_in_every_format) {
    TempDir dir;
    for (const char* format : {"new", "compat", "old"}) {
        BOOST_TEST_CONTEXT(format) {
            auto entries = parse(ldconfig_cache(dir, format));
            BOOST_TEST(entries.size() > 10u);
            BOOST_TEST(has_libc(entries));
        }
    }
}

BOOST_AUTO_TEST_CASE(handcrafted_new_and_compat) {
    std::vector<Spec> specs{{0x0303, "libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1"},
                            {0x0003, "libcuda.so.1", "/usr/lib/i386-linux-gnu/libcuda.so.1"}};
    for (bool old : {false, true}) {
        auto entries = parse(make_cache(specs, old));
        BOOST_REQUIRE_EQUAL(entries.size(), 2u);
        BOOST_TEST(entries[0].soname == "libcuda.so.1");
        BOOST_TEST(entries[0].path == "/usr/lib/x86_64-linux-gnu/libcuda.so.1");
        BOOST_TEST(entries[1].flags == 0x0003);
    }
    BOOST_TEST(parse(make_cache({})).empty());
}

BOOST_AUTO_TEST_CASE(malformed_headers_are_rejected) {
    NV_CHECK_THROWS_WITH(parse(""), "not an ld.so.cache file");
    NV_CHECK_THROWS_WITH(parse("hello world, not a cache at all"), "not an ld.so.cache file");
    NV_CHECK_THROWS_WITH(parse("glibc-ld.so.cache1.1"), "truncated header");
    NV_CHECK_THROWS_WITH(parse(std::string("ld.so-1.7.0\0", 12)), "truncated old header");
    std::string c = make_cache({{0x0303, "a", "b"}});
    std::string huge = c;
    std::uint32_t n = 0xffffffff;
    std::memcpy(huge.data() + 20, &n, 4);
    NV_CHECK_THROWS_WITH(parse(huge), "too many");
    std::string big_endian = c;
    big_endian[28] = 3;
    NV_CHECK_THROWS_WITH(parse(big_endian), "big-endian");
    std::string long_strings = c;
    std::uint32_t len = 1u << 30;
    std::memcpy(long_strings.data() + 24, &len, 4);
    NV_CHECK_THROWS_WITH(parse(long_strings), "string table");
}

BOOST_AUTO_TEST_CASE(bad_string_offsets_are_rejected) {
    std::string c = make_cache({{0x0303, "libx.so.1", "/x"}});
    std::string out_of_range = c;
    std::uint32_t off = 0x7fffffff;
    std::memcpy(out_of_range.data() + 48 + 4, &off, 4);
    NV_CHECK_THROWS_WITH(parse(out_of_range), "out of range");
    std::string unterminated = c;
    unterminated.pop_back();  // the last string loses its NUL, and the table one byte
    std::uint32_t strings_len = 0;
    std::memcpy(&strings_len, unterminated.data() + 24, 4);
    --strings_len;
    std::memcpy(unterminated.data() + 24, &strings_len, 4);
    NV_CHECK_THROWS_WITH(parse(unterminated), "unterminated string");
}

BOOST_AUTO_TEST_CASE(every_truncation_is_handled) {
    TempDir dir;
    for (const std::string& full :
         {ldconfig_cache(dir, "new"), ldconfig_cache(dir, "compat"), ldconfig_cache(dir, "old")}) {
        for (size_t len = 0; len < full.size(); len += (len < 4096 ? 1 : 97)) {
            // Either a clean error or (when only unused padding was cut) a parse.
            try {
                parse(full.substr(0, len));
            } catch (const Error&) {
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(random_corruption_never_crashes) {
    TempDir dir;
    std::string base = ldconfig_cache(dir, "compat");
    std::mt19937 rng(12345);
    for (int round = 0; round < 3000; ++round) {
        std::string data = base.substr(0, 4096 + rng() % 4096);
        int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; ++i)
            data[rng() % std::min<size_t>(data.size(), 2048)] = static_cast<char>(rng());
        try {
            for (const auto& e : parse(data)) BOOST_TEST_REQUIRE(e.soname.size() < data.size());
        } catch (const Error&) {
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
