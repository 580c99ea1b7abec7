// Signal names and numbers for `kill`, as runc accepts them.
#pragma once

#include <string_view>

namespace berth::cli {

// Parses "9", "KILL", "SIGKILL", "sigkill", "RTMIN", "RTMIN+3", "SIGRTMAX-2". Names are
// case-insensitive and the "SIG" prefix is optional (runc upper-cases and prefixes too).
// Numbers must be 0 (a check that the process exists, as in kill(2)) or a signal
// (1..SIGRTMAX). Throws UsageError("unknown signal \"…\"").
int parse_signal(std::string_view text);

}  // namespace berth::cli
