// The one exception type of the parent side.
//
// An Error carries a message (lowercase, operation first, user values quoted) and the
// errno that caused it (0 when none). Context is added at layer boundaries only with
// with_context(), giving `create "c1": mount "/proc": Permission denied`. main()
// catches it, logs what(), and exits 1. The child never throws: see src/child/.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace berth {

class Error : public std::runtime_error {
public:
    explicit Error(std::string message, int err = 0)
        : std::runtime_error(err != 0 ? message + ": " + std::strerror(err) : message), errno_(err) {}

    int error_number() const noexcept { return errno_; }

    // Returns a copy whose message is "<context>: <this message>".
    Error with_context(const std::string& context) const {
        Error e(context + ": " + what());
        e.errno_ = errno_;
        return e;
    }

private:
    int errno_;
};

// Throws Error("<formatted>: <strerror(errno)>") for the current errno.
template <typename... Args>
[[noreturn]] void throw_errno(fmt::format_string<Args...> format, Args&&... args) {
    int err = errno;
    throw Error(fmt::format(format, std::forward<Args>(args)...), err);
}

template <typename... Args>
[[noreturn]] void throw_error(fmt::format_string<Args...> format, Args&&... args) {
    throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace berth
