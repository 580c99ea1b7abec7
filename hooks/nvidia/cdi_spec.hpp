// CDI spec files (cncf-tags/container-device-interface SPEC.md, versions 0.3.0-1.1.0) in
// JSON or YAML, and the registry that resolves fully qualified names against the spec
// directories.
//
// Parent side. Loading is strict, as the CDI library is: unknown fields, invalid names,
// and fields that need a newer cdiVersion than the spec declares are errors.
#pragma once

#include "hooks/nvidia/edits.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

struct CdiDevice {
    std::string name;
    std::map<std::string, std::string> annotations;
    ContainerEdits edits;
};

struct CdiSpec {
    std::string version;  // "0.5.0"
    std::string kind;     // "nvidia.com/gpu"
    std::map<std::string, std::string> annotations;
    std::vector<CdiDevice> devices;
    ContainerEdits edits;  // applied once before the first of its devices
    std::string path;      // the file it came from, or the parse source
};

// The versions this reader knows, oldest first.
const std::vector<std::string_view>& cdi_versions();

// Parses one spec. YAML unless the first non-blank character is '{' (YAML is a superset
// of JSON, but yajl gives better JSON errors). Throws berth::Error
// "<source>: .devices[0].containerEdits.mounts[0].type: needs cdiVersion 0.4.0, spec has 0.3.0".
CdiSpec parse_cdi_spec(std::string_view text, std::string_view source);

// The lowest cdiVersion that has every field the spec uses.
std::string minimum_cdi_version(const CdiSpec& spec);

// All specs of a list of directories. A later directory has a higher priority: its
// device replaces one of the same name from an earlier directory; the same name twice
// at equal priority is a conflict and resolves to nothing. A file that fails to load
// is recorded in `errors` and skipped, as the CDI cache does.
class CdiRegistry {
public:
    void add(CdiSpec spec, int priority);

    // Edits for the names, CDI order: each spec's own edits before its first device,
    // then the device's. Throws berth::Error
    // "nvidia: unresolvable CDI devices vendor/class=x (known: ...)", naming
    // conflicts and load errors too, so the message says why.
    ContainerEdits resolve(const std::vector<std::string>& names) const;

    // Every resolvable qualified name, sorted.
    std::vector<std::string> device_names() const;

    const std::vector<CdiSpec>& specs() const { return specs_; }
    std::vector<std::string> errors;

private:
    struct Entry {
        size_t spec = 0;
        size_t device = 0;
        int priority = 0;
        bool conflict = false;
    };
    std::vector<CdiSpec> specs_;
    std::map<std::string, Entry, std::less<>> devices_;
};

// Loads *.json and *.yaml of each directory (missing ones are skipped), in order.
CdiRegistry load_cdi_specs(const std::vector<std::string>& dirs);

}  // namespace berth::nvidia
