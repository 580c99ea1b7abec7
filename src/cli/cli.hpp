// The runc-compatible command line: global flags, then one subcommand.
#pragma once

namespace berth::cli {

// Parses argv, runs the subcommand, and returns the exit code. Never throws. A usage error
// prints one line (`berth create: flag --pid-file needs a value`) on stderr; a runtime error
// is logged through berth::log. Both exit 1, as runc does, so engines see one failure code.
int main(int argc, char** argv);

}  // namespace berth::cli
