#include "cli/cli.hpp"

// BERTH_SYSTEMD_HANDOFF: the static berth, whose systemd driver is berth-systemd.
#ifdef BERTH_SYSTEMD_HANDOFF
constexpr bool kSystemdHandoff = true;
#else
constexpr bool kSystemdHandoff = false;
#endif

int main(int argc, char** argv) { return berth::cli::main(argc, argv, kSystemdHandoff); }
