#include "cli/signals.hpp"

#include "cli/args.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <csignal>
#include <string>

namespace berth::cli {
namespace {

struct SignalName {
    std::string_view name;  // without "SIG"
    int number;
};

// Linux's standard signals, with the aliases kill(1) and Go's unix.SignalNum know.
constexpr std::array kSignals{
    SignalName{"HUP", SIGHUP},       SignalName{"INT", SIGINT},       SignalName{"QUIT", SIGQUIT},
    SignalName{"ILL", SIGILL},       SignalName{"TRAP", SIGTRAP},     SignalName{"ABRT", SIGABRT},
    SignalName{"IOT", SIGIOT},       SignalName{"BUS", SIGBUS},       SignalName{"FPE", SIGFPE},
    SignalName{"KILL", SIGKILL},     SignalName{"USR1", SIGUSR1},     SignalName{"SEGV", SIGSEGV},
    SignalName{"USR2", SIGUSR2},     SignalName{"PIPE", SIGPIPE},     SignalName{"ALRM", SIGALRM},
    SignalName{"TERM", SIGTERM},     SignalName{"STKFLT", SIGSTKFLT}, SignalName{"CHLD", SIGCHLD},
    SignalName{"CLD", SIGCHLD},      SignalName{"CONT", SIGCONT},     SignalName{"STOP", SIGSTOP},
    SignalName{"TSTP", SIGTSTP},     SignalName{"TTIN", SIGTTIN},     SignalName{"TTOU", SIGTTOU},
    SignalName{"URG", SIGURG},       SignalName{"XCPU", SIGXCPU},     SignalName{"XFSZ", SIGXFSZ},
    SignalName{"VTALRM", SIGVTALRM}, SignalName{"PROF", SIGPROF},     SignalName{"WINCH", SIGWINCH},
    SignalName{"IO", SIGIO},         SignalName{"POLL", SIGPOLL},     SignalName{"PWR", SIGPWR},
    SignalName{"SYS", SIGSYS},
};

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n"; 0 if `name` is none of them or out of range.
// SIGRTMIN is a libc call, not a constant: glibc keeps the first real-time signals.
int realtime_signal(std::string_view name) {
    auto offset = [](std::string_view rest) -> int {
        if (rest.empty()) return 0;
        if (!all_digits(rest.substr(1)) || rest.size() > 4) return -1;
        return std::stoi(std::string(rest.substr(1)));
    };
    int number = 0;
    if (name.starts_with("RTMIN") && (name.size() == 5 || name[5] == '+')) {
        int n = offset(name.substr(5));
        number = n < 0 ? 0 : SIGRTMIN + n;
    } else if (name.starts_with("RTMAX") && (name.size() == 5 || name[5] == '-')) {
        int n = offset(name.substr(5));
        number = n < 0 ? 0 : SIGRTMAX - n;
    }
    return number >= SIGRTMIN && number <= SIGRTMAX ? number : 0;
}

}  // namespace

int parse_signal(std::string_view text) {
    if (all_digits(text)) {
        if (text.size() <= 3) {
            int number = std::stoi(std::string(text));
            // 0 sends nothing and only checks that the process exists, as kill(2) and runc.
            if (number >= 0 && number <= SIGRTMAX) return number;
        }
        throw UsageError(fmt::format("unknown signal \"{}\"", text));
    }
    std::string name;
    for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string_view bare = name;
    if (bare.starts_with("SIG")) bare.remove_prefix(3);
    for (const auto& signal : kSignals) {
        if (signal.name == bare) return signal.number;
    }
    if (int number = realtime_signal(bare)) return number;
    throw UsageError(fmt::format("unknown signal \"{}\"", text));
}

}  // namespace berth::cli
