// File helpers of the NVIDIA layer (which links only oci, not the runtime core).
//
// Parent side; each throws berth::Error naming the path, except where it returns
// std::nullopt for an expected absence.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

// The whole file, or nullopt if it does not exist (ENOENT, ENOTDIR). Files larger than
// max_size are an error: these are small text files and a cache, never GBs.
std::optional<std::string> read_file_if_exists(const std::string& path, std::size_t max_size = 64u << 20);

// `path` (absolute) under `root`: ("/", "/etc/x") -> "/etc/x"; ("/r/", "/etc") -> "/r/etc".
std::string under_root(std::string_view root, std::string_view path);

// The host path `path` resolves to when symlinks are followed inside `root` (an absolute
// link or ".." never leaves it: openat2 RESOLVE_IN_ROOT). nullopt if it does not exist
// or loops. This is how a driver root such as /run/nvidia/driver is read safely.
std::optional<std::string> resolve_in_root(const std::string& root, std::string_view path);

// lstat(); nullopt if the path does not exist.
std::optional<struct stat> lstat_if_exists(const std::string& path);

// Entry names of a directory, sorted, without "." and ".."; nullopt if it does not exist.
std::optional<std::vector<std::string>> list_dir(const std::string& path);

// The last path component.
std::string_view base_name(std::string_view path);

}  // namespace berth::nvidia
