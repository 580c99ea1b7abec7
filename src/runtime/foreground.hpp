// The foreground side of `run` and `exec`: signals forwarded to the process, the
// caller's terminal proxied to a pty master, the exit status returned. Parent only.
#pragma once

#include "runtime/create.hpp"
#include "util/unique_fd.hpp"

#include <signal.h>
#include <termios.h>

namespace berth::runtime {

// The signals berth forwards (all but those it cannot or must not catch). Block them
// before the process exists so none is lost; the child resets its mask before execve.
sigset_t forwarded_signals();

// Receives one fd (SCM_RIGHTS) from a connected socket; throws when none comes.
UniqueFd receive_fd(int sock);

// Copies the caller's window size (stdin) to the pty master, when master >= 0.
void copy_winsize(int master);

// Waits for `c` (berth's child): forwards the signals read from `sigfd`, proxies the
// terminal when master >= 0, reaps orphans; returns the exit code (128+signal).
int wait_foreground(const CreatedContainer& c, int sigfd, int master);

// Puts the caller's terminal in raw mode for the life of the object.
class RawTerminal {
public:
    explicit RawTerminal(int fd) : fd_(fd) {
        if (fd < 0 || !::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
    }
    ~RawTerminal() {
        if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    }
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

}  // namespace berth::runtime
