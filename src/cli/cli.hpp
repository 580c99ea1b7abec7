// The runc-compatible command line: global flags, then one subcommand.
#pragma once

namespace berth::cli {

// Parses argv, runs the subcommand, and returns the exit code. Never throws: errors are
// logged as one line and give exit 1 (2 for a usage error).
int main(int argc, char** argv);

}  // namespace berth::cli
