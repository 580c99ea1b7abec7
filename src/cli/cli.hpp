// The runc-compatible command line: global flags, then one subcommand.
#pragma once

namespace berth::cli {

// Parses argv, runs the subcommand, and returns the exit code. Never throws. A usage error
// prints one line (`berth create: flag --pid-file needs a value`) on stderr; a runtime error
// is logged through berth::log. Both exit 1, as runc does, so engines see one failure code.
// `systemd_handoff`: true for the static berth, which hands the commands that need the
// systemd cgroup driver to berth-systemd (systemd_handoff.hpp).
int main(int argc, char** argv, bool systemd_handoff = false);

}  // namespace berth::cli
