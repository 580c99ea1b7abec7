// Splitting text into parts, lines and whitespace-separated fields. berth parses /proc,
// cgroup and ps output with these instead of iostreams, which would link libstdc++'s
// locale machinery into every start (see README "Design notes", peak memory).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::text {

// Every part between separators, empty ones included: split("a::b", ':') is {"a", "", "b"};
// split("", ':') is {""}.
std::vector<std::string> split(std::string_view s, char sep);
// The parts separated by runs of blanks (space, tab, newline), as `>>` would read them.
std::vector<std::string_view> fields(std::string_view s);
// A whole decimal number (optionally negative), or nullopt.
std::optional<long long> to_integer(std::string_view s);

}  // namespace berth::text
