// Capabilities: names resolved with libcap in the parent into five bitmasks; the child
// applies them with raw prctl/capset (src/child/process.cpp).
#pragma once

#include "oci/config.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace berth::sys {

struct CapabilityPlan {
    bool present = false;  // process.capabilities given; otherwise berth leaves the sets alone
    std::uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
    int last_cap = 40;     // /proc/sys/kernel/cap_last_cap
};

// Throws `.process.capabilities.<set>[i]: unknown capability "CAP_FOO"` for a name libcap
// does not know; a name known to libcap but newer than the running kernel is skipped
// with a warning, as runc does.
CapabilityPlan build_capability_plan(const std::optional<oci::Capabilities>& caps);

// The highest capability number the running kernel knows.
int kernel_last_cap();

// True when the calling process has `cap` in its effective set.
bool have_capability(int cap);

}  // namespace berth::sys
