// Reading and writing the OCI documents.
//
// Every parse_* function validates as runtime-spec says (required fields, types, enum
// values, ranges, cross-field rules) and throws berth::Error with one line:
//   "<source>: .linux.namespaces[2].type: unknown namespace type \"foo\""
// or, for a syntax error, "<source>: line 3, column 7: <reason>". Unknown properties
// are ignored, as config.md requires. to_json() output parses back to an equal value.
//
// Also: a JSON null member counts as absent (Go's encoding/json writes nil slices and
// maps as null); of repeated keys the last wins; strings containing NUL are rejected
// (they would be cut short at the first C API). `root` stays optional here although
// config.md requires it on Linux: `create` checks that, `spec --bundle` tools need not.
// Only std::bad_alloc escapes besides berth::Error. Runs in the parent; pure data.
#pragma once

#include "oci/config.hpp"

#include <string>
#include <string_view>

namespace berth::oci {

Config parse_config(std::string_view text, std::string_view source = "config.json");
std::string to_json(const Config& config, bool pretty = false);

// process.json as `exec --process` reads it: a config.md process object. Error paths
// are relative to the document: "process.json: .cwd: ...".
Process parse_process(std::string_view text, std::string_view source = "process.json");
std::string to_json(const Process& process, bool pretty = false);

// A config-linux.md#control-groups object alone, as `update --resources` reads it. Error
// paths are relative to the document: "resources.json: .memory.limit: ...".
Resources parse_resources(std::string_view text, std::string_view source = "resources.json");

}  // namespace berth::oci
