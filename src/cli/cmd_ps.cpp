// berth ps [--format table|json] <container-id> [ps options]
#include "cli/args.hpp"
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_ps(std::span<const std::string> args) {
    runtime::PsOptions options;
    FlagSet flags("berth ps [options] <container-id> [ps options]",
                  "Show the processes of a container. The table form runs ps(1) with the\n"
                  "given ps options; json prints the pids as a JSON array.");
    add_format_flag(flags, options.json);
    // Everything after the id belongs to ps(1), flags included (`ps c1 -ef`).
    auto result = flags.parse(args, Order::flags_first);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, SIZE_MAX, "<container-id> [ps options]");
    options.id = result.positionals[0];
    options.ps_args.assign(result.positionals.begin() + 1, result.positionals.end());
    return options;
}

int run_ps(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::ps(global, std::get<runtime::PsOptions>(options));
}

}  // namespace berth::cli
