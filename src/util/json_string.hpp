// A JSON string literal, for the two places that write JSON by hand rather than through
// oci/json.hpp: log lines (util/ must not depend on oci/) and the seccomp listener's
// state message (which embeds state.json text as it is).
#pragma once

#include <string>
#include <string_view>

namespace berth {

// Appends `s` quoted and escaped as a JSON string (control characters as \uXXXX).
void append_json_string(std::string& out, std::string_view s);

}  // namespace berth
