// CVE-2019-5736: the commands that put a process into a container run from a sealed
// memfd copy of the berth binary, so nothing in the container can reach the host binary
// through /proc/<pid>/exe (or a `#!/proc/self/exe` entrypoint) and overwrite it.
#pragma once

namespace berth::sys {

// Returns at once when the running binary is already a sealed memfd (the marker: the
// seals themselves, so no environment variable reaches hooks or the container).
// Otherwise copies /proc/self/exe into a sealed memfd and re-executes it with the same
// argv and environment; fds the caller passed (--preserve-fds, console socket) survive.
// Throws on failure.
void ensure_sealed_exe(char** argv);

}  // namespace berth::sys
