// YAML documents read into the json::Value tree, so CDI specs in YAML and JSON share one
// validating reader (cdi_spec.cpp).
//
// Uses libyaml (Debian libyaml-dev): a complete, long-fuzzed YAML 1.1 parser is safer
// than a home-made subset, since nvidia-ctk's Go encoder may emit any of block and
// flow styles, quoted and block scalars. Scalars follow the YAML 1.2 core schema:
// plain null/~, true/false, decimal, 0x and 0o integers become JSON null, booleans and
// numbers (numbers as decimal text); everything quoted or else stays a string.
// Anchors and aliases are rejected (no billion-laughs), as are multiple documents and
// nesting deeper than json::kMaxDepth. Pure; parent side.
#pragma once

#include "oci/json.hpp"

#include <string_view>

namespace berth::nvidia {

// Throws berth::Error "<source>: line L, column C: <reason>".
json::Value parse_yaml(std::string_view text, std::string_view source);

}  // namespace berth::nvidia
