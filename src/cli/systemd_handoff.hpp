// The static berth hands a command that needs the systemd cgroup driver to berth-systemd,
// the same program linked dynamically: sd-bus comes from libsystemd, which a static
// process cannot dlopen soundly (README: "Static binary"). Parent side, before anything
// else is done, so the dynamic build runs the whole command from its start.
#pragma once

#include "cli/command.hpp"

namespace berth::cli {

// True when `parsed` uses the systemd driver: --systemd-cgroup, or a delete, update, exec
// or checkpoint (the commands that talk to systemd about a saved container) of a container whose
// saved cgroup state names the systemd driver. Reads that state without the lock: the
// dynamic build takes it. Does not throw (an unreadable state is left to the command).
bool needs_systemd_driver(const ParsedCommand& parsed);

// Execs berth-systemd with `argv` unchanged: the one beside this binary (a build tree),
// else <libexecdir>/berth-systemd. Returns only on failure, with the message to print.
std::string exec_systemd_build(char** argv);

}  // namespace berth::cli
