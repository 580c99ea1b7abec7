// The dispatcher: global flags, the subcommand table, top-level help, and main's error policy.
#include "cli/cli.hpp"

#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/systemd_handoff.hpp"
#include "runtime/rootless.hpp"
#include "sys/id_mapping.hpp"
#include "sys/sealed_exe.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>

namespace berth::cli {
namespace {

struct CommandEntry {
    std::string_view name;
    std::string_view summary;
    CommandOptions (*parse)(std::span<const std::string>);
    int (*run)(const runtime::GlobalOptions&, const CommandOptions&);
};

// runc's commands plus `check`, in alphabetical order for --help.
constexpr std::array kCommands{
    CommandEntry{"check", "validate a bundle's config.json and host paths without running it",
                 parse_check, run_check},
    CommandEntry{"checkpoint", "checkpoint a running container with CRIU", parse_checkpoint,
                 run_checkpoint},
    CommandEntry{"create", "create a container", parse_create, run_create},
    CommandEntry{"delete", "delete any resources held by the container", parse_delete, run_delete},
    CommandEntry{"events", "display container events and resource usage statistics", parse_events,
                 run_events},
    CommandEntry{"exec", "execute a new process inside the container", parse_exec, run_exec},
    CommandEntry{"features", "show the features this runtime supports", parse_features,
                 run_features},
    CommandEntry{"kill", "send a signal (default: SIGTERM) to the container's init process",
                 parse_kill, run_kill},
    CommandEntry{"list", "list containers started by berth with the given root", parse_list,
                 run_list},
    CommandEntry{"pause", "suspend all processes inside the container", parse_pause, run_pause},
    CommandEntry{"ps", "display the processes running inside a container", parse_ps, run_ps},
    CommandEntry{"restore", "restore a container from a CRIU checkpoint",
                 parse_restore, run_restore},
    CommandEntry{"resume", "resume all processes that have been paused", parse_resume, run_resume},
    CommandEntry{"run", "create and run a container", parse_run, run_run},
    CommandEntry{"spec", "create a new specification file (config.json)", parse_spec, run_spec},
    CommandEntry{"start", "start the user-defined process in a created container", parse_start,
                 run_start},
    CommandEntry{"state", "output the state of a container", parse_state, run_state},
    CommandEntry{"update", "update container resource constraints", parse_update, run_update},
};

const CommandEntry* find_command(std::string_view name) {
    for (const auto& entry : kCommands) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

struct GlobalFlags {
    explicit GlobalFlags(FlagSet f) : flags(std::move(f)) {}
    FlagSet flags;
    bool version = false;
    std::string log_format = "text";
    std::optional<bool> rootless;  // unset: "auto"
    std::string root_problem;      // why there is no default --root (rootless.hpp)
};

// runc's "auto" (shouldUseRootlessCgroupManager, runc 1.1): rootless when not root, with or
// without systemd (a user's --systemd-cgroup then talks to the user's own manager), or when
// root only inside a user namespace (rootless Podman runs the runtime so). There, with
// systemd, runc asks the user bus for its owner (busctl --user status) and takes root on
// any error, mostly an unset DBUS_SESSION_BUS_ADDRESS; berth takes a named user bus as the
// sign (root in a system container's user namespace has none).
bool resolve_rootless(const std::optional<bool>& requested, bool systemd_cgroup) {
    if (requested) return *requested;
    if (::geteuid() != 0) return true;
    if (!sys::running_in_user_namespace()) return false;
    if (!systemd_cgroup) return true;
    const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    return (address && *address) || (xdg && *xdg && ::access((std::string(xdg) + "/bus").c_str(), F_OK) == 0);
}

constexpr std::string_view kUsage = "berth [global options] <command> [command options] [arguments...]";
constexpr std::string_view kDescription =
    "berth is an OCI container runtime with runc's command line.\n"
    "A bundle is a directory with a config.json and a root filesystem; to run one:\n"
    "\n"
    "    berth run [-b bundle] <container-id>";

// The global flags fill `parsed`; runc's names and meanings.
void add_global_flags(FlagSet& flags, ParsedCommand& parsed, GlobalFlags& extra) {
    flags.boolean("debug", parsed.global.debug, "enable debug logging");
    flags.string("log", "FILE", parsed.log.path, "write logs to FILE (default: standard error)");
    flags.value("log-format", "text|json", "log format: text (default) or json",
                [&extra](std::string_view v) {
                    if (v != "text" && v != "json") throw UsageError("want text or json");
                    extra.log_format = std::string(v);
                });
    flags.string("root", "DIR", parsed.global.root,
                 "root directory for container state, best on tmpfs (default: /run/berth; "
                 "$XDG_RUNTIME_DIR/berth without root)");
    flags.string("criu", "PATH", parsed.global.criu, "the CRIU binary for checkpoint and restore (default: criu)");
    flags.boolean("systemd-cgroup", parsed.global.systemd_cgroup,
                  "manage cgroups through systemd; cgroupsPath is \"slice:prefix:name\"");
    flags.optional_value("rootless", "true|false|auto", {"true", "false", "auto"},
                         "ignore cgroup permission errors (default: auto)",
                         [&extra](std::string_view v) {
                             if (v.empty()) extra.rootless = true;
                             else if (v == "auto") extra.rootless.reset();
                             else extra.rootless = parse_bool(v);
                         });
    flags.boolean("version,v", extra.version, "print the version");
}

Help program_help(const FlagSet& flags) {
    Help help = flags.help();
    help.text += "\nCommands:\n";
    for (const auto& entry : kCommands) {
        fmt::format_to(std::back_inserter(help.text), "  {:<12}{}\n", entry.name, entry.summary);
    }
    help.text += "\nRun 'berth <command> --help' for a command's options; see berth(8).\n";
    return help;
}

}  // namespace

std::vector<CommandHelp> command_table() {
    std::vector<CommandHelp> table;
    ParsedCommand parsed;
    GlobalFlags extra{FlagSet(kUsage, kDescription)};
    add_global_flags(extra.flags, parsed, extra);
    table.push_back({"", "", program_help(extra.flags)});
    const std::vector<std::string> help_args{"--help"};
    for (const auto& entry : kCommands) {
        table.push_back({entry.name, entry.summary, std::get<HelpRequest>(entry.parse(help_args))});
    }
    return table;
}

ParsedCommand parse_command_line(std::span<const std::string> args) {
    ParsedCommand parsed;
    GlobalFlags extra{FlagSet(kUsage, kDescription)};
    add_global_flags(extra.flags, parsed, extra);
    parsed.global.root.clear();  // set only by --root; the default is decided below
    ParseResult globals;
    try {
        globals = extra.flags.parse(args, Order::flags_first);
    } catch (const UsageError& e) {
        throw UsageError(fmt::format("berth: {}", e.what()));
    }
    parsed.log.debug = parsed.global.debug;
    parsed.global.rootless = resolve_rootless(extra.rootless, parsed.global.systemd_cgroup);
    if (parsed.global.root.empty()) parsed.global.root = runtime::default_state_root(extra.root_problem);
    parsed.log.json = extra.log_format == "json";

    const auto& rest = globals.positionals;
    if (extra.version) {
        parsed.command = "version";
        parsed.options = VersionRequest{};
        return parsed;
    }
    if (globals.help || rest.empty() || rest[0] == "help" || rest[0] == "h") {
        parsed.command = "help";
        // `berth help create` is `berth create --help`, as in runc.
        if (rest.size() > 1 && find_command(rest[1])) {
            std::vector<std::string> help_args{"--help"};
            parsed.options = find_command(rest[1])->parse(help_args);
        } else {
            parsed.options = program_help(extra.flags);
        }
        return parsed;
    }
    // Hidden (not in --help, not runc's): prints a completion script; see completion.cpp.
    if (rest[0] == "completion") {
        if (rest.size() != 2) throw UsageError("berth completion: want one of bash, zsh, fish");
        parsed.command = "completion";
        try {
            parsed.options = HelpRequest{completion_script(rest[1], command_table()), {}, {}};
        } catch (const UsageError& e) {
            throw UsageError(fmt::format("berth completion: {}", e.what()));
        }
        return parsed;
    }
    const CommandEntry* entry = find_command(rest[0]);
    if (!entry) throw UsageError(fmt::format("berth: unknown command \"{}\"", rest[0]));
    parsed.command = std::string(entry->name);
    try {
        parsed.options = entry->parse(std::span<const std::string>(rest).subspan(1));
    } catch (const UsageError& e) {
        throw UsageError(fmt::format("berth {}: {}", entry->name, e.what()));
    }
    // Only the commands that use the state store need a root; spec and features do not.
    bool stateless = entry->name == "spec" || entry->name == "features" || entry->name == "check" ||
                     std::holds_alternative<HelpRequest>(parsed.options);
    if (parsed.global.root.empty() && !stateless) throw UsageError(fmt::format("berth: {}", extra.root_problem));
    return parsed;
}

int execute(const ParsedCommand& parsed) {
    if (const auto* help = std::get_if<HelpRequest>(&parsed.options)) {
        std::fputs(help->text.c_str(), stdout);
        return 0;
    }
    if (std::holds_alternative<VersionRequest>(parsed.options)) {
        std::fputs(version_text().c_str(), stdout);
        return 0;
    }
    const CommandEntry* entry = find_command(parsed.command);
    if (!entry) throw Error(fmt::format("unknown command \"{}\"", parsed.command));
    return entry->run(parsed.global, parsed.options);
}

int main(int argc, char** argv, bool systemd_handoff) {
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    ParsedCommand parsed;
    try {
        parsed = parse_command_line(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    if (systemd_handoff && needs_systemd_driver(parsed)) {
        std::fprintf(stderr, "berth: %s\n", exec_systemd_build(argv).c_str());
        return 1;
    }
    // Only the commands that put a process into a container pay for the re-exec.
    if (parsed.command == "create" || parsed.command == "run" || parsed.command == "exec") {
        try {
            sys::ensure_sealed_exe(argv);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "berth: %s\n", e.what());
            return 1;
        }
    }
    try {
        log::init(parsed.log);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "berth: %s\n", e.what());
        return 1;
    }
    try {
        int status = execute(parsed);
        // Output may be a pipe the engine reads; a lost write is an error, not success.
        if (std::fflush(stdout) != 0) throw_errno("write standard output");
        return status;
    } catch (const UsageError& e) {
        // Commands that validate arguments late (e.g. a signal name) report as usage errors.
        std::fprintf(stderr, "berth %s: %s\n", parsed.command.c_str(), e.what());
        return 1;
    } catch (const Error& e) {
        log::error("{}", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        log::error("{}: out of memory", parsed.command);
        return 1;
    } catch (const std::exception& e) {
        // Library exceptions are bugs here: each layer is meant to turn them into an Error.
        log::error("{}: internal error: {}", parsed.command, e.what());
        return 1;
    }
}

}  // namespace berth::cli
