// print-edits [--bundle DIR]: the containerEdits berth would apply to the bundle's
// config.json (debugging, and the test oracle). Without --bundle, the OCI state on
// stdin names the bundle. A container that asks for no GPU prints "{}".
#include "hook_common.hpp"

#include "hooks/nvidia/cdi_generate.hpp"
#include "hooks/nvidia/inject.hpp"
#include "oci/parse.hpp"
#include "util/error.hpp"

#include <cstdio>

namespace berth::hook {

int cmd_print_edits(const Args& args) {
    std::string bundle;
    for (const auto& [name, value] : parse_options(args, {"--bundle"})) bundle = clean_path(value);
    Container c;
    if (bundle.empty()) {
        c = read_container();
    } else {
        std::string path = bundle + "/config.json";
        c.config = oci::parse_config(read_file(path), path);
        if (!c.config.root) throw_error("{}: .root.path: missing", path);
        c.rootfs = clean_path(c.config.root->path, bundle);
    }
    std::vector<std::string> warnings;
    std::optional<nvidia::ContainerEdits> edits =
        nvidia::gpu_edits(c.config, nvidia::load_nvidia_config(), c.rootfs, warnings);
    for (const std::string& w : warnings) warn(w);
    std::string out = edits ? nvidia::to_edits_json(*edits) : std::string("{}\n");
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace berth::hook
