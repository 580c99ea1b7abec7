// berth run [options] <container-id>
#include "cli/args.hpp"
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_run(std::span<const std::string> args) {
    runtime::RunOptions options;
    FlagSet flags("berth run [options] <container-id>",
                  "Create and start a container. Without --detach, berth waits for the\n"
                  "container's process and exits with its status.");
    add_create_flags(flags, options.create);
    flags.boolean("detach,d", options.detach, "detach from the container's process");
    flags.boolean("keep", options.keep, "do not delete the container after it exits");
    // berth waits for its own child only; runc's subreaper switch has nothing to turn off.
    flags.ignored("no-subreaper", false);
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    options.create.id = result.positionals[0];
    options.create.bundle = absolute_path(options.create.bundle);
    return options;
}

int run_run(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::run(global, std::get<runtime::RunOptions>(options));
}

}  // namespace berth::cli
