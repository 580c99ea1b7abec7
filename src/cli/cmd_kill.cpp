// berth kill [--all] <container-id> [signal]
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/signals.hpp"

#include <csignal>

namespace berth::cli {

CommandOptions parse_kill(std::span<const std::string> args) {
    runtime::KillOptions options;
    FlagSet flags("berth kill [options] <container-id> [signal]",
                  "Send a signal to the container's init process. The signal is a name (KILL,\n"
                  "SIGKILL, sigkill, RTMIN+2) or a number; the default is SIGTERM.");
    flags.boolean("all,a", options.all, "send the signal to all processes inside the container");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 2, "<container-id> [signal]");
    options.id = result.positionals[0];
    options.signal = result.positionals.size() > 1 ? parse_signal(result.positionals[1]) : SIGTERM;
    return options;
}

int run_kill(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::kill(global, std::get<runtime::KillOptions>(options));
}

}  // namespace berth::cli
