// CDI fully qualified device names "vendor/class=name" and the cdi.k8s.io/ annotations.
//
// Pure; parent side. Rules from the CDI spec (cncf-tags/container-device-interface
// SPEC.md, pkg/parser): vendor and class use [A-Za-z0-9._-], start with a letter and end
// with a letter or digit; a name uses [A-Za-z0-9._:-] and starts and ends alphanumeric.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

struct QualifiedName {
    std::string vendor;
    std::string class_;
    std::string name;
    std::string kind() const { return vendor + "/" + class_; }
    std::string str() const { return vendor + "/" + class_ + "=" + name; }
    auto operator<=>(const QualifiedName&) const = default;
};

// True when the text has the shape "<a>/<b>=<c>" with a non-empty name; says nothing
// about validity. Used to tell CDI names from plain device ids.
bool looks_qualified(std::string_view text);

// Parses and validates; throws berth::Error "invalid CDI device name 'x': <why>".
QualifiedName parse_qualified_name(std::string_view text);

// Validators; each returns an empty string when valid, else the reason.
std::string vendor_name_error(std::string_view vendor);
std::string class_name_error(std::string_view class_);
std::string device_name_error(std::string_view name);
// "vendor/class" as in a spec's "kind".
std::string kind_error(std::string_view kind);

// The CDI device names requested by annotations whose key starts with one of
// `prefixes`: each value is a comma list of qualified names. Returns them deduplicated,
// in key order then list order. Throws berth::Error
// "nvidia: annotation 'cdi.k8s.io/x': invalid CDI device name 'gpu0': ...".
std::vector<std::string> cdi_names_from_annotations(const std::map<std::string, std::string>& annotations,
                                                    const std::vector<std::string>& prefixes);

}  // namespace berth::nvidia
