// berth create [options] <container-id>
#include "cli/args.hpp"
#include "cli/command.hpp"

#include <climits>

namespace berth::cli {

void add_create_flags(FlagSet& flags, runtime::CreateOptions& options) {
    flags.string("bundle,b", "DIR", options.bundle,
                 "path to the root of the bundle directory (default: the current directory)");
    flags.string("console-socket", "PATH", options.console_socket,
                 "AF_UNIX socket that receives the master end of the console's pseudoterminal");
    flags.string("pid-file", "FILE", options.pid_file, "write the container's init pid to FILE");
    flags.boolean("no-pivot", options.no_pivot,
                  "do not use pivot_root to jail the process (for a rootfs on a ramdisk)");
    flags.boolean("no-new-keyring", options.no_new_keyring,
                  "do not create a new session keyring: inherit the caller's");
    flags.value("preserve-fds", "N",
                "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N)",
                [&options](std::string_view v) {
                    options.preserve_fds = static_cast<unsigned>(parse_unsigned(v, INT_MAX - 3));
                });
}

CommandOptions parse_create(std::span<const std::string> args) {
    runtime::CreateOptions options;
    FlagSet flags("berth create [options] <container-id>",
                  "Create a container from the bundle and leave its process waiting for\n"
                  "`berth start`. The bundle holds config.json and the root filesystem.");
    add_create_flags(flags, options);
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    options.id = result.positionals[0];
    options.bundle = absolute_path(options.bundle);
    return options;
}

int run_create(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::create(global, std::get<runtime::CreateOptions>(options));
}

}  // namespace berth::cli
