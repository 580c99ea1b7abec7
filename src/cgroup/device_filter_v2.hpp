// The cgroup v2 device controller is an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to
// the cgroup; this builds it from the device rules and attaches it. Runs in the parent.
#pragma once

#include "cgroup/devices.hpp"
#include "util/unique_fd.hpp"

#include <linux/bpf.h>

#include <vector>

namespace berth::cgroup {

// The program's instructions for `rules` (config-linux.md#allowed-device-list semantics, as
// the v1 devices controller applies them): the last "a *:* rwm" rule sets the default, the
// rules after it are exceptions, and a later exception wins over an earlier one. Pure.
std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules);

// Loads the program with bpf(BPF_PROG_LOAD); throws berth::Error with the verifier's log.
UniqueFd load_device_filter(const std::vector<DeviceRule>& rules);

// Attaches `program_fd` to the cgroup2 directory `cgroup_fd` (BPF_CGROUP_DEVICE,
// BPF_F_ALLOW_MULTI), then detaches the programs that were there before, so an update never
// leaves the cgroup without a filter. Throws berth::Error.
void replace_device_filter(int cgroup_fd, int program_fd);

}  // namespace berth::cgroup
