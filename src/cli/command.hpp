// The parsed command line and the per-subcommand entry points.
//
// parse_command_line() only parses: it fills the option structs of runtime/operations.hpp
// and runs nothing, so tests can check what each engine's command line turns into.
// execute() then calls exactly one runtime (or cli-local) function. Runs in the parent.
#pragma once

#include "cli/args.hpp"
#include "runtime/operations.hpp"
#include "util/log.hpp"

#include <span>
#include <string>
#include <variant>
#include <vector>

namespace berth::cli {

// start, state, pause and resume take a container id and nothing else.
struct ContainerIdOptions {
    std::string id;
};

struct SpecOptions {
    std::string bundle;  // --bundle/-b; empty: the current directory
    bool rootless = false;
};

struct CheckOptions {
    std::string bundle = ".";  // --bundle/-b
};

struct FeaturesOptions {};

// --help of the program or of a subcommand: the text to print (and the flag table it lists).
// Also what `berth completion SHELL` returns: a script to print.
using HelpRequest = Help;

struct VersionRequest {};

using CommandOptions =
    std::variant<HelpRequest, VersionRequest, runtime::CreateOptions, runtime::RunOptions,
                 ContainerIdOptions, runtime::KillOptions, runtime::DeleteOptions,
                 runtime::ListOptions, runtime::PsOptions, runtime::ExecOptions,
                 runtime::UpdateOptions, runtime::EventsOptions, SpecOptions, CheckOptions,
                 FeaturesOptions, runtime::CheckpointOptions,
                 runtime::RestoreOptions>;

struct ParsedCommand {
    runtime::GlobalOptions global;
    log::Options log;
    std::string command;  // "create", "kill", …; "help" or "version" for those requests
    CommandOptions options;
};

// One row of the command table: a subcommand, its --help summary and its flags, from the
// same FlagSet that parses it. The first row has an empty name: the global flags (its
// help text lists the commands). Shell completions are generated from this table and the
// man pages are tested against it.
struct CommandHelp {
    std::string_view name;
    std::string_view summary;
    Help help;
};
std::vector<CommandHelp> command_table();

// `berth completion bash|zsh|fish`: the completion script for that shell, generated from
// `table` (completion.cpp). Throws UsageError for another shell.
std::string completion_script(std::string_view shell, const std::vector<CommandHelp>& table);

// Parses argv without argv[0]. Throws UsageError whose message is the whole line to print,
// e.g. `berth create: flag --pid-file needs a value` or `berth: unknown command "foo"`.
ParsedCommand parse_command_line(std::span<const std::string> args);

// Runs a parsed command and returns its exit code; throws berth::Error for a failure.
// Expects log::init() to have been called with parsed.log.
int execute(const ParsedCommand& parsed);

// One pair per subcommand, defined in cmd_<name>.cpp. parse_* receives the arguments after
// the subcommand name and throws UsageError (without the "berth <cmd>: " prefix).
// run_* receives the matching alternative of CommandOptions.
CommandOptions parse_create(std::span<const std::string> args);
CommandOptions parse_run(std::span<const std::string> args);
CommandOptions parse_start(std::span<const std::string> args);
CommandOptions parse_state(std::span<const std::string> args);
CommandOptions parse_kill(std::span<const std::string> args);
CommandOptions parse_delete(std::span<const std::string> args);
CommandOptions parse_list(std::span<const std::string> args);
CommandOptions parse_ps(std::span<const std::string> args);
CommandOptions parse_exec(std::span<const std::string> args);
CommandOptions parse_pause(std::span<const std::string> args);
CommandOptions parse_resume(std::span<const std::string> args);
CommandOptions parse_update(std::span<const std::string> args);
CommandOptions parse_events(std::span<const std::string> args);
CommandOptions parse_spec(std::span<const std::string> args);
CommandOptions parse_features(std::span<const std::string> args);
CommandOptions parse_check(std::span<const std::string> args);
CommandOptions parse_checkpoint(std::span<const std::string> args);
CommandOptions parse_restore(std::span<const std::string> args);

int run_create(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_run(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_start(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_state(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_kill(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_delete(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_list(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_ps(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_exec(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_pause(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_resume(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_update(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_events(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_spec(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_features(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_check(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_checkpoint(const runtime::GlobalOptions& global, const CommandOptions& options);
int run_restore(const runtime::GlobalOptions& global, const CommandOptions& options);

class FlagSet;
// The flags create and run share (cmd_create.cpp); the caller makes the bundle absolute.
void add_create_flags(FlagSet& flags, runtime::CreateOptions& options);

// "--format/-f table|json" for list and ps (cmd_list.cpp).
void add_format_flag(FlagSet& flags, bool& json);

// A Go duration for `events --interval` in whole seconds, rounded up (cmd_events.cpp).
unsigned parse_interval(std::string_view text);

// Parses the arguments of a command that takes only <container-id> (start, state, pause,
// resume): no flags but --help.
CommandOptions parse_container_id(std::span<const std::string> args, std::string_view usage,
                                  std::string_view description);

// The `--version` text: berth, commit, spec and library versions, one per line.
std::string version_text();

}  // namespace berth::cli
