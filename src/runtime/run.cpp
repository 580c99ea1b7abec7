// run: create + start; in the foreground berth waits for the init, forwards signals to
// it, proxies a terminal, returns the exit status and deletes the container.
#include "runtime/container.hpp"
#include "runtime/create.hpp"
#include "runtime/foreground.hpp"
#include "util/error.hpp"
#include "util/fd_passing.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace berth::runtime {

UniqueFd receive_fd(int sock) {
    char payload[256];
    Received r = receive_with_fd(sock, payload, sizeof payload, "receive console");
    if (!r.fd) throw_error("receive console: no fd");
    return std::move(r.fd);
}

namespace {

bool copy_once(int from, int to) {
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        off += w;
    }
    return true;
}

}  // namespace

void copy_winsize(int master) {
    winsize ws{};
    if (master >= 0 && ::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
}

// The foreground loop: signals to the init, the terminal both ways, until it exits.
int wait_foreground(const CreatedContainer& c, int sigfd, int master) {
    bool stdin_open = master >= 0;
    for (;;) {
        pollfd p[4] = {{sigfd, POLLIN, 0}, {c.pidfd.get(), POLLIN, 0}, {master, POLLIN, 0},
                       {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
        int rc = ::poll(p, 4, -1);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) throw_errno("poll");
        if (p[0].revents & POLLIN) {
            signalfd_siginfo si{};
            if (::read(sigfd, &si, sizeof si) == sizeof si) {
                int sig = static_cast<int>(si.ssi_signo);
                if (sig == SIGCHLD) {
                    // Orphans reparented to us as subreaper: reap them, never the init here.
                    for (;;) {
                        siginfo_t info{};
                        if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0 ||
                            info.si_pid == c.pid)
                            break;
                        ::waitpid(info.si_pid, nullptr, 0);
                    }
                } else if (sig == SIGWINCH) {
                    copy_winsize(master);
                } else {
                    ::syscall(SYS_pidfd_send_signal, c.pidfd.get(), sig, nullptr, 0);
                }
            }
        }
        if (master >= 0 && (p[2].revents & (POLLIN | POLLHUP)) && !copy_once(master, STDOUT_FILENO) &&
            !(p[2].revents & POLLIN))
            master = -1;
        if (stdin_open && (p[3].revents & (POLLIN | POLLHUP)) && !copy_once(STDIN_FILENO, master)) stdin_open = false;
        if (p[1].revents & POLLIN) {
            if (master >= 0) {
                // Drain what the process wrote before it exited.
                int flags = ::fcntl(master, F_GETFL);
                ::fcntl(master, F_SETFL, flags | O_NONBLOCK);
                while (copy_once(master, STDOUT_FILENO)) {
                }
            }
            int status = 0;
            while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
            }
            return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        }
    }
}

sigset_t forwarded_signals() {
    sigset_t set;
    sigfillset(&set);
    for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTSTP, SIGTTIN, SIGTTOU}) sigdelset(&set, s);
    return set;
}

int run(const GlobalOptions& global, const RunOptions& options) {
    const std::string& id = options.create.id;
    log::Timeline timeline("run", id);
    UniqueFd console_parent, console_child;
    bool own_console = !options.detach && options.create.console_socket.empty();
    if (own_console) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) throw_errno("socketpair");
        console_parent.reset(pair[0]);
        console_child.reset(pair[1]);
    }
    // Block the forwarded signals before the init exists, so none is lost; the init
    // resets its mask before execve.
    sigset_t forwarded = forwarded_signals();
    sigset_t old;
    if (!options.detach) {
        ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        ::sigprocmask(SIG_BLOCK, &forwarded, &old);
    }
    CreatedContainer c = create_container(global, options.create, own_console ? console_child.get() : -1);
    console_child.reset();
    try {
        UniqueFd master;
        if (own_console) {
            // Only a terminal process sends a master; a closed socket means none.
            pollfd p{console_parent.get(), POLLIN, 0};
            if (::poll(&p, 1, 0) > 0) {
                char peek;
                if (::recv(console_parent.get(), &peek, 1, MSG_PEEK | MSG_DONTWAIT) > 0) master = receive_fd(console_parent.get());
            }
        }
        start(global, id);
        if (options.detach) return 0;
        UniqueFd sigfd(::signalfd(-1, &forwarded, SFD_CLOEXEC));
        if (!sigfd) throw_errno("signalfd");
        int code;
        {
            RawTerminal raw(master ? STDIN_FILENO : -1);
            copy_winsize(master.get());
            code = wait_foreground(c, sigfd.get(), master.get());
        }
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        timeline.step("process exited with status {}", code);
        if (!options.keep) delete_container(global, id, true);
        timeline.step(options.keep ? "kept" : "deleted");
        return code;
    } catch (const Error& e) {
        try {
            delete_container(global, id, true);
        } catch (const Error& e2) {
            log::warn("{}", e2.what());
        }
        throw e.with_context(fmt::format("run \"{}\"", id));
    }
}

}  // namespace berth::runtime
