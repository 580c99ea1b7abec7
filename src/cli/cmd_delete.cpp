// berth delete [--force] <container-id>
#include "cli/args.hpp"
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_delete(std::span<const std::string> args) {
    runtime::DeleteOptions options;
    FlagSet flags("berth delete [options] <container-id>",
                  "Delete the resources held by a stopped container.");
    flags.boolean("force,f", options.force,
                  "delete the container even if it is still running (kills it with SIGKILL)");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    options.id = result.positionals[0];
    return options;
}

int run_delete(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::remove(global, std::get<runtime::DeleteOptions>(options));
}

}  // namespace berth::cli
