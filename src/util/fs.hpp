// Small file helpers for the parent side. Each throws berth::Error naming the path.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace berth::fs {

// Whole file as a string; throws when it cannot be read.
std::string read_file(const std::string& path);
// As read_file, but throws `"<path>": not a regular file` for a FIFO, device or
// directory instead of blocking on it or reading a device.
std::string read_regular_file(const std::string& path);
// /proc/self/mountinfo, read at the first call and kept for the process: a create reads
// the host's cgroup hierarchies for its cgroups and for a `cgroup` mount, and both then see
// one snapshot of the table, read once. berth changes no mount of its own namespace.
const std::string& self_mountinfo();
// Like read_file, but std::nullopt when the file does not exist (ENOENT).
std::optional<std::string> read_file_if_exists(const std::string& path);
// Everything left to read from `fd` (a pipe, a socket or a file); `name` is for errors.
std::string read_all(int fd, const std::string& name);
// Writes through a temp file in the same directory and renames it over `path` (or
// exchanges the two, then unlinks the old one: see fs.cpp), so readers see the old or
// the new content, never a mix. No fsync: everything berth
// writes this way (state, saved config, pid files) describes processes that do not
// survive a reboot, and on a disk-backed --root two fsyncs cost ~15 ms per create.
void write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644);
// Writes to an existing file (a /proc or /sys knob) in one write(2).
void write_file(const std::string& path, std::string_view data);
// mkdir -p; tolerates existing directories.
void make_dirs(const std::string& path, mode_t mode = 0755);
// rm -rf of a directory tree that berth made (does not cross mount points).
void remove_tree(const std::string& path);
bool exists(const std::string& path);
// Absolute, lexically cleaned path ("a/../b" -> "b"); relative ones are taken from `base`.
std::string clean_path(std::string_view path, std::string_view base = "/");

}  // namespace berth::fs
