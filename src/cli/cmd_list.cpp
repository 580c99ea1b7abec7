// berth list [--format table|json] [--quiet]
#include "cli/args.hpp"
#include "cli/command.hpp"

namespace berth::cli {

// "--format table|json", shared by list and ps.
void add_format_flag(FlagSet& flags, bool& json) {
    flags.value("format,f", "table|json", "output format: table (default) or json",
                [&json](std::string_view v) {
                    if (v != "table" && v != "json") throw UsageError("want table or json");
                    json = v == "json";
                });
}

CommandOptions parse_list(std::span<const std::string> args) {
    runtime::ListOptions options;
    FlagSet flags("berth list [options]", "List the containers in the state root (--root).");
    add_format_flag(flags, options.json);
    flags.boolean("quiet,q", options.quiet, "print only the container ids");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 0, 0, "no arguments");
    return options;
}

int run_list(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::list(global, std::get<runtime::ListOptions>(options));
}

}  // namespace berth::cli
