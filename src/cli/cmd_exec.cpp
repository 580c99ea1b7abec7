// berth exec [options] <container-id> <command> [args...]
// berth exec [options] -p process.json <container-id>
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <climits>
#include <cstdint>

namespace berth::cli {
namespace {

constexpr int kExecFailed = 255;

// "uid" or "uid:gid", numbers only, as runc takes them.
void check_user(std::string_view user) {
    auto colon = user.find(':');
    parse_unsigned(user.substr(0, colon), UINT32_MAX);
    if (colon != std::string_view::npos) parse_unsigned(user.substr(colon + 1), UINT32_MAX);
}

void add_exec_flags(FlagSet& flags, runtime::ExecOptions& o) {
    flags.string("console-socket", "PATH", o.console_socket,
                 "AF_UNIX socket that receives the master end of the console's pseudoterminal");
    flags.string("cwd", "DIR", o.cwd, "current working directory in the container");
    flags.strings("env,e", "KEY=VALUE", o.env, "set an environment variable (repeatable)");
    flags.boolean("tty,t", o.tty, "allocate a pseudo-TTY");
    flags.value("user,u", "UID[:GID]", "run as this user", [&o](std::string_view v) {
        check_user(v);
        o.user = std::string(v);
    });
    flags.value("additional-gids,g", "GID", "add a supplementary group (repeatable)",
                [&o](std::string_view v) {
                    o.additional_gids.push_back(static_cast<std::uint32_t>(parse_unsigned(v, UINT32_MAX)));
                });
    flags.string("process,p", "FILE", o.process_file, "path to a process.json (config.md#process)");
    flags.boolean("detach,d", o.detach, "detach from the process");
    flags.string("pid-file", "FILE", o.pid_file, "write the process id to FILE");
    flags.string("process-label", "LABEL", o.process_label, "SELinux label of the process");
    flags.string("apparmor", "PROFILE", o.apparmor, "AppArmor profile of the process");
    flags.boolean("no-new-privs", o.no_new_privs, "set no_new_privs for the process");
    flags.strings("cap,c", "CAP", o.caps, "add a capability to the bounding set (repeatable)");
    flags.value("preserve-fds", "N", "pass N additional file descriptors to the process",
                [&o](std::string_view v) {
                    o.preserve_fds = static_cast<unsigned>(parse_unsigned(v, INT_MAX - 3));
                });
    flags.value("cgroup", "[CONTROLLER:]PATH", "run the process in an existing sub-cgroup",
                [&o](std::string_view v) {
                    if (!o.cgroup.empty()) throw UsageError("berth takes one --cgroup");
                    o.cgroup = std::string(v);
                });
    flags.boolean("ignore-paused", o.ignore_paused, "allow exec in a paused container");
}

}  // namespace

CommandOptions parse_exec(std::span<const std::string> args) {
    runtime::ExecOptions options;
    FlagSet flags("berth exec [options] <container-id> <command> [args...]\n"
                  "       berth exec [options] -p process.json <container-id>",
                  "Run a new process inside a running container. Options go before the\n"
                  "container id: everything after it is the command and its arguments.");
    add_exec_flags(flags, options);
    // The command's own flags must not be taken for exec's (`exec c1 ls -la`).
    auto result = flags.parse(args, Order::flags_first);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, SIZE_MAX, "<container-id> <command>");
    options.id = result.positionals[0];
    options.args.assign(result.positionals.begin() + 1, result.positionals.end());
    if (options.process_file.empty() && options.args.empty()) {
        throw UsageError("missing <command> (or --process FILE)");
    }
    return options;
}

int run_exec(const runtime::GlobalOptions& global, const CommandOptions& options) {
    try {
        return runtime::exec(global, std::get<runtime::ExecOptions>(options));
    } catch (const Error& e) {
        // 255, as runc: a caller must tell exec's own failure from the process's status
        // (1 is common). Usage errors still exit 1, as in runc.
        log::error("{}", e.what());
        return kExecFailed;
    }
}

}  // namespace berth::cli
