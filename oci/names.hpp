// Name tables of config-linux.md that later stages map to kernel values.
//
// Pure data. parse_config() accepts a capability or rlimit only if it is listed here,
// so callers may map validated names without further checks.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace berth::oci {

// "CAP_CHOWN" .. "CAP_CHECKPOINT_RESTORE" (Linux 5.9), indexed by capability number,
// which is the same on every architecture (linux/capability.h).
std::span<const std::string_view> capability_names();
std::optional<int> capability_number(std::string_view name);

// The sixteen "RLIMIT_*" names of getrlimit(2). Their numbers differ between
// architectures, so map them with <sys/resource.h>, not by position.
std::span<const std::string_view> rlimit_names();

}  // namespace berth::oci
