// berth-nvidia-hook: what the subcommands share.
//
// The binary runs as an OCI hook with the runtime's privileges. main() (hook_main.cpp)
// has cleared the environment before any of this runs; nothing here reads the image's
// env or executes a file of the image.
#pragma once

#include "oci/config.hpp"
#include "oci/state.hpp"
#include "util/unique_fd.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace berth::hook {

using Args = std::vector<std::string>;

// The container a hook works on. createContainer steps run in its mount namespace
// before pivot_root, where `rootfs` is the rootfs's path.
struct Container {
    oci::State state;
    oci::Config config;
    std::string rootfs;  // absolute: config.root.path against the bundle
    UniqueFd root;       // O_PATH of rootfs, opened in the container's mount namespace
    int ldconfig_fd = -1;  // hook mode: the host ldconfig, opened before setns
};

// Reads the OCI state from stdin and <bundle>/config.json. Does not open the rootfs.
Container read_container();
// Opens container.root (call it in the container's mount namespace).
void open_rootfs(Container& container);

// The createContainer steps (args without the subcommand name). Each throws
// berth::Error naming the path.
void create_symlinks(const Container& container, const Args& args);
void update_ldcache(const Container& container, const Args& args);
void mask_procfs(const Container& container, const Args& args);

// Runs the createContainer step `name`; false if there is no such step.
bool run_container_step(std::string_view name, const Container& container, const Args& args);

// The subcommands that are not createContainer steps.
int cmd_hook(const Args& args);         // prestart / createRuntime mode
int cmd_print_edits(const Args& args);  // print-edits [--bundle DIR]
int cmd_cdi(const Args& args);          // cdi generate ...

// Option parsing for "--name value" lists: each "--name" must be followed by a value.
// Throws "unknown option" for names not in `known`.
std::vector<std::pair<std::string, std::string>> parse_options(const Args& args,
                                                               std::initializer_list<std::string_view> known);

// Absolute, lexically cleaned path; a relative one is taken from `base`. (The hook
// links only the nvidia and oci libraries, not the runtime's util/fs.)
std::string clean_path(std::string_view path, std::string_view base = "/");

// The whole file (at most 16 MiB); throws naming the path.
std::string read_file(const std::string& path);

// "berth-nvidia-hook: warning: <text>" on stderr.
void warn(std::string_view text);

}  // namespace berth::hook
