// oci::Resources → the control-file writes of cgroup v1 or v2, and the v1→v2 conversions.
// Pure: no file access, so unit tests check it without root. Runs in the parent.
// Both throw berth::Error naming the field (".linux.resources.network.classID: …") for a
// value the version cannot express or a value out of range.
#pragma once

#include "cgroup/setting.hpp"
#include "oci/config.hpp"

#include <cstdint>

namespace berth::cgroup {

Translation translate_v1(const oci::Resources& resources);
Translation translate_v2(const oci::Resources& resources);

// cpu.shares (2..262144) → cpu.weight (1..10000), runc 1.1's linear map; 0 stays 0 (unset).
std::uint64_t cpu_shares_to_weight(std::uint64_t shares);
// blkio.weight (10..1000) → io.weight (1..10000), runc's linear map; 0 stays 0 (unset).
std::uint64_t blkio_weight_to_io_weight(std::uint64_t weight);
// OCI memory.swap (memory+swap, v1 semantics) → v2 memory.swap.max (swap alone), as runc:
// -1 stays -1 ("max"), 0 stays 0 (unset), limit -1 with swap unset means both unlimited.
// Throws for a swap below the limit or a swap without a limit.
std::int64_t swap_to_v2(std::int64_t swap, std::int64_t limit);

// "max" for a negative limit (the spec's -1), else the number.
std::string limit_value(std::int64_t value);

}  // namespace berth::cgroup
