// MIG (Multi-Instance GPU) discovery from the driver's files, without NVML.
//
// Parent side. A MIG compute instance exists when
// <proc_root>/proc/driver/nvidia/capabilities/gpu<minor>/mig/gi<g>/ci<c>/access does; its
// capability nodes are <dev_root>/dev/nvidia-caps/nvidia-cap<N>, N from
// <proc_root>/proc/driver/nvidia-caps/mig-minors ("gpu0/gi1/access 12",
// "gpu0/gi1/ci0/access 13", "config 1", "monitor 2") and the major of "nvidia-caps" in
// <proc_root>/proc/devices (shared/nvidia.md §1.2 "MIG devices").
#pragma once

#include "hooks/nvidia/discovery.hpp"

namespace berth::nvidia {

// Fills d.migs (sorted by gpu, gi, ci), d.mig_config and d.mig_monitor; needs d.gpus.
// A MIG device whose minor or node is missing is left out with a line in d.warnings
// (the toolkit creates the nodes with nvidia-modprobe; berth does not). Throws
// berth::Error for a malformed mig-minors or a node with the wrong numbers.
void read_mig_devices(const DiscoveryOptions& o, Driver& d);

}  // namespace berth::nvidia
