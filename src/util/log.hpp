// Logging for the parent side, as runc does it: text or one JSON object a line
// ({"level":…,"msg":…,"time":…}) to --log (default stderr). Errors also go to stderr
// when the log is a file, so a person at a terminal sees them. The child never logs.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace berth::log {

enum class Level { debug, info, warning, error };

struct Options {
    std::string path;   // empty: stderr
    bool json = false;  // --log-format json
    bool debug = false; // --debug
};

// Opens the log; throws berth::Error if --log cannot be opened.
void init(const Options& options);

bool debug_enabled();
void write(Level level, std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    if (debug_enabled()) write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::info, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::warning, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    write(Level::error, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace berth::log
