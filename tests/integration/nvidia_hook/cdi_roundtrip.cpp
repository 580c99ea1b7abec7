// Checks that a spec written by `berth-nvidia-hook cdi generate` loads with the
// library's own CDI loader and writes back byte for byte (the round trip), that its
// cdiVersion is the minimum its fields need, and that the names resolve.
//
//   nvidia-cdi-roundtrip SPEC_FILE NAME...   exit 0 and "ok N devices" on success
#include "hooks/nvidia/cdi_generate.hpp"
#include "hooks/nvidia/cdi_spec.hpp"
#include "hooks/nvidia/files.hpp"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
    using namespace berth::nvidia;
    if (argc < 2) return 2;
    try {
        std::string path = argv[1];
        std::string text = read_file_if_exists(path).value_or("");
        CdiSpec spec = parse_cdi_spec(text, path);
        std::string again = path.ends_with(".json") ? to_cdi_json(spec) : to_cdi_yaml(spec);
        if (again != text) {
            std::fprintf(stderr, "round trip differs:\n%s\n---\n%s\n", text.c_str(), again.c_str());
            return 1;
        }
        if (minimum_cdi_version(spec) != spec.version) {
            std::fprintf(stderr, "cdiVersion %s, minimum %s\n", spec.version.c_str(),
                         minimum_cdi_version(spec).c_str());
            return 1;
        }
        CdiRegistry registry;
        registry.add(spec, 0);
        for (int i = 2; i < argc; ++i) {
            ContainerEdits edits = registry.resolve({argv[i]});
            if (edits.device_nodes.empty()) {
                std::fprintf(stderr, "%s: no device nodes\n", argv[i]);
                return 1;
            }
        }
        std::printf("ok %zu devices, cdiVersion %s\n", spec.devices.size(), spec.version.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
