// NVIDIA GPUs in `create`: the bridge between the runtime and the berth-nvidia library.
//
// Parent side, after config.json is parsed and before anything is created, so a failed
// GPU request leaves no state directory, cgroup or mount behind.
#pragma once

#include "oci/config.hpp"

#include <string>

namespace berth::runtime {

// True if the config could ask for GPUs: NVIDIA_VISIBLE_DEVICES (other than "void"),
// CUDA_VERSION or NVIDIA_MIG_* in process.env, a mount under
// /var/run/nvidia-container-devices, or an annotation value shaped like a CDI name
// ("vendor/class=name"). Pure and cheap: reads no file, so a container that asks for no
// GPU costs nothing. A true answer is only a hint; the library makes the decision.
bool may_request_gpus(const oci::Config& config);

// If may_request_gpus(), reads berth's config file ($BERTH_CONFIG, else
// /etc/berth/config.json) and lets the library edit `config` in memory for the request
// (devices, read-only driver mounts, createContainer hooks); logs its warnings.
// `rootfs` is the absolute host path of the root filesystem. `bind_nodes`: the container
// is in a user namespace (binds_devices() in rootless.hpp), so its GPU nodes are bound
// from the host's (config.mounts), each checked to be usable by berth's user, instead of
// made. Otherwise does nothing and reads nothing. Throws berth::Error, one line, for any
// bad request, missing driver or node the container could not open.
void apply_gpu_request(oci::Config& config, const std::string& rootfs, bool bind_nodes = false);

// The config.json create keeps in the state directory: `text` (the bundle's, read from
// `path`) as given, unless the GPU request changed the poststart or poststop hooks (a CDI
// spec's containerEdits.hooks): start and delete run those from the saved config, so it
// then is the bundle's config with the `edited` hooks. Throws as oci::parse_config.
std::string saved_config_text(const std::string& text, const std::string& path,
                              const std::optional<oci::Hooks>& given, const std::optional<oci::Hooks>& edited);

bool has_post_hooks(const std::optional<oci::Hooks>& hooks);

}  // namespace berth::runtime
