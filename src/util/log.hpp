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

// --debug's timeline of one operation: step("x") logs `create "c1": x (+0.412 ms,
// 3.170 ms)`, the time since the previous step and since the start, so a failure's log
// shows how far it got and a slow container where the time went. With --debug off it
// reads no clock and formats nothing: one branch per step. `op` and `id` must outlive it.
class Timeline {
public:
    Timeline(std::string_view op, std::string_view id);

    void step(std::string_view what) {
        if (on_) record(what);
    }
    template <typename... Args>
    void step(fmt::format_string<Args...> format, Args&&... args) {
        if (on_) record(fmt::format(format, std::forward<Args>(args)...));
    }

private:
    void record(std::string_view what);

    bool on_;
    std::string_view op_, id_;
    long long start_ns_ = 0, last_ns_ = 0;
};

}  // namespace berth::log
