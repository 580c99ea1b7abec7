// The non-library files of the graphics and display capabilities: the Vulkan ICD and
// layer JSONs, the EGL vendor and external-platform JSONs, gbm's NVIDIA backend, and the
// X server driver modules (shared/nvidia.md §1.2, §3 "graphics configs", "xorg modules").
//
// Parent side, part of driver discovery. A file the driver root lacks is skipped, as the
// toolkit does: drivers without Wayland or X support simply do not ship them.
#pragma once

#include "hooks/nvidia/discovery.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

// The files found under options.driver_root, each with its container path equal to its
// path relative to the driver root (as nvidia-ctk's CDI spec places them) and its
// capability: graphics for the JSONs and gbm, display for the X driver modules. Symlinks
// are resolved inside the driver root; the first existing candidate of each file wins.
std::vector<DriverFile> find_graphics_files(const std::string& driver_root, std::string_view version);

}  // namespace berth::nvidia
