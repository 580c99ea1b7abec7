#include "hooks/nvidia/graphics_files.hpp"

#include "hooks/nvidia/files.hpp"

#include <array>

namespace berth::nvidia {
namespace {

using namespace std::string_view_literals;

// One injected file: the places it may be, in search order. "{V}" is the driver version.
struct GraphicsFile {
    Capability capability;
    std::array<std::string_view, 3> candidates;  // empty entries unused
};

// nvidia.md §3 lists these config dirs; the search order (/etc before /usr/share) and the
// Vulkan implicit-layer and gbm locations it does not spell out follow the toolkit's
// graphics discoverer (internal/discover/graphics.go).
constexpr std::array kFiles{
    GraphicsFile{Capability::graphics,
                 {"/etc/vulkan/icd.d/nvidia_icd.json"sv, "/usr/share/vulkan/icd.d/nvidia_icd.json"sv}},
    GraphicsFile{Capability::graphics,
                 {"/etc/vulkan/implicit_layer.d/nvidia_layers.json"sv,
                  "/usr/share/vulkan/implicit_layer.d/nvidia_layers.json"sv}},
    GraphicsFile{Capability::graphics,
                 {"/etc/glvnd/egl_vendor.d/10_nvidia.json"sv,
                  "/usr/share/glvnd/egl_vendor.d/10_nvidia.json"sv}},
    GraphicsFile{Capability::graphics,
                 {"/etc/egl/egl_external_platform.d/10_nvidia_wayland.json"sv,
                  "/usr/share/egl/egl_external_platform.d/10_nvidia_wayland.json"sv}},
    GraphicsFile{Capability::graphics,
                 {"/etc/egl/egl_external_platform.d/15_nvidia_gbm.json"sv,
                  "/usr/share/egl/egl_external_platform.d/15_nvidia_gbm.json"sv}},
    GraphicsFile{Capability::graphics,
                 {"/usr/lib/x86_64-linux-gnu/gbm/nvidia-drm_gbm.so"sv, "/usr/lib64/gbm/nvidia-drm_gbm.so"sv}},
    // libnvidia-container mounts the X modules only for display (nvc_mount.c, OPT_DISPLAY).
    GraphicsFile{Capability::display,
                 {"/usr/lib/xorg/modules/drivers/nvidia_drv.so"sv,
                  "/usr/lib64/xorg/modules/drivers/nvidia_drv.so"sv}},
    GraphicsFile{Capability::display,
                 {"/usr/lib/xorg/modules/extensions/libglxserver_nvidia.so.{V}"sv,
                  "/usr/lib64/xorg/modules/extensions/libglxserver_nvidia.so.{V}"sv}},
};

std::string with_version(std::string_view path, std::string_view version) {
    std::string out(path);
    if (size_t at = out.find("{V}"); at != std::string::npos) out.replace(at, 3, version);
    return out;
}

}  // namespace

std::vector<DriverFile> find_graphics_files(const std::string& driver_root, std::string_view version) {
    std::vector<DriverFile> out;
    for (const GraphicsFile& file : kFiles) {
        for (std::string_view candidate : file.candidates) {
            if (candidate.empty()) continue;
            std::string path = with_version(candidate, version);
            std::optional<std::string> host = resolve_in_root(driver_root, path);
            std::optional<struct stat> st = host ? lstat_if_exists(*host) : std::nullopt;
            if (!st || !S_ISREG(st->st_mode)) continue;
            out.push_back(DriverFile{*host, path, file.capability, false, {}});
            break;
        }
    }
    return out;
}

}  // namespace berth::nvidia
