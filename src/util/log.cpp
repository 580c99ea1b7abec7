#include "util/log.hpp"

#include "util/error.hpp"
#include "util/json_string.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>

namespace berth::log {
namespace {

struct Sink {
    int fd = STDERR_FILENO;
    bool to_file = false;
    bool json = false;
    bool debug = false;
};

Sink& sink() {
    static Sink s;
    return s;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warning: return "warning";
        case Level::error: return "error";
    }
    return "error";
}

// RFC 3339 with nanoseconds, as runc's logrus formatter writes it.
std::string timestamp() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:09d}Z", std::string_view(buf, n), now.tv_nsec);
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report a logging failure
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

}  // namespace

void init(const Options& options) {
    Sink& s = sink();
    s.json = options.json;
    s.debug = options.debug;
    if (!options.path.empty()) {
        int fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) throw_errno("open log file \"{}\"", options.path);
        s.fd = fd;
        s.to_file = true;
    }
}

bool debug_enabled() { return sink().debug; }

namespace {

long long monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

}  // namespace

Timeline::Timeline(std::string_view op, std::string_view id) : on_(debug_enabled()), op_(op), id_(id) {
    if (on_) start_ns_ = last_ns_ = monotonic_ns();
}

void Timeline::record(std::string_view what) {
    long long now = monotonic_ns();
    write(Level::debug, fmt::format("{} \"{}\": {} (+{:.3f} ms, {:.3f} ms)", op_, id_, what,
                                    static_cast<double>(now - last_ns_) / 1e6, static_cast<double>(now - start_ns_) / 1e6));
    last_ns_ = now;
}

void write(Level level, std::string_view message) {
    const Sink& s = sink();
    std::string line;
    if (s.json) {
        line = "{\"level\":\"";
        line += level_name(level);
        line += "\",\"msg\":";
        append_json_string(line, message);
        line += ",\"time\":\"" + timestamp() + "\"}\n";
    } else {
        line = fmt::format("{} [{}] {}\n", timestamp(), level_name(level), message);
    }
    write_all(s.fd, line);
    // A person running berth by hand sees errors even when engines point --log at a file.
    if (level == Level::error && s.to_file) write_all(STDERR_FILENO, fmt::format("berth: {}\n", message));
}

}  // namespace berth::log
