// berth checkpoint / berth restore: runc's CRIU commands, not implemented.
//
// The flags runc (and go-runc, podman) pass are accepted so that the one error a caller
// sees is "not implemented", not a complaint about a flag.
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "util/error.hpp"

namespace berth::cli {
namespace {

constexpr std::string_view kValueFlags[] = {
    "image-path", "work-path", "parent-path", "status-fd", "page-server", "manage-cgroups-mode",
    "empty-ns", "console-socket", "bundle,b", "pid-file", "lsm-profile", "lsm-mount-context",
};
constexpr std::string_view kBoolFlags[] = {
    "leave-running", "tcp-established", "ext-unix-sk", "shell-job", "lazy-pages", "file-locks",
    "pre-dump", "auto-dedup", "detach,d", "no-subreaper", "no-pivot",
};

CommandOptions parse_criu(std::span<const std::string> args, std::string_view usage) {
    FlagSet flags(usage, "Not implemented: berth has no CRIU support yet.");
    for (auto names : kValueFlags) flags.ignored(names, true);
    for (auto names : kBoolFlags) flags.ignored(names, false);
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    return CriuOptions{result.positionals[0]};
}

}  // namespace

CommandOptions parse_checkpoint(std::span<const std::string> args) {
    return parse_criu(args, "berth checkpoint [options] <container-id>");
}

CommandOptions parse_restore(std::span<const std::string> args) {
    return parse_criu(args, "berth restore [options] <container-id>");
}

int run_checkpoint(const runtime::GlobalOptions&, const CommandOptions&) {
    throw Error("checkpoint: not implemented");
}

int run_restore(const runtime::GlobalOptions&, const CommandOptions&) {
    throw Error("restore: not implemented");
}

}  // namespace berth::cli
