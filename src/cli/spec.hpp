// The documents the CLI builds itself: the default config.json of `spec`, the features
// document of `features`, and the bundle checks of `check`. Pure functions, for tests.
#pragma once

#include "oci/config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace berth::cli {

// runc's default spec (sh on a terminal, the default mounts, masked and read-only paths),
// at runtime-spec 1.3.0. Rootless: a user namespace mapping container root to uid/gid,
// no network namespace, /sys bind-mounted, no device cgroup.
oci::Config default_spec(bool rootless, std::uint32_t uid, std::uint32_t gid);

// Whether checkpoint/restore works here (runtime/criu.hpp): `usable` and CRIU's version
// or why not.
struct CheckpointSupport {
    bool usable = false;
    std::string detail;
};

// The features document (features.md, features-linux.md), pretty-printed JSON. With
// `checkpoint`, its annotations say whether checkpoint/restore works on this host.
std::string features_json(const CheckpointSupport* checkpoint = nullptr);

// Checks DIR/config.json: that it parses and validates, and the host-side parts that need no
// container (the rootfs is a directory, hook paths are executable files). Returns one line per
// problem, each naming the file and the JSON path; empty when the bundle is ready.
std::vector<std::string> check_bundle(const std::string& bundle);

}  // namespace berth::cli
