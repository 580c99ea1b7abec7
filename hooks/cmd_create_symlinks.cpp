// create-symlinks --link TARGET::LINK...: symlinks in the container, such as
// libcuda.so -> libcuda.so.1, which the driver does not ship as a file to mount.
#include "hook_common.hpp"
#include "hook_rootfs.hpp"

#include "util/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>

namespace berth::hook {
namespace {

void make_link(const Container& c, const std::string& target, const std::string& link) {
    if (target.empty() || link.empty() || link.front() != '/')
        throw_error("invalid link '{}::{}' (TARGET::/ABSOLUTE/LINK)", target, link);
    auto [parent_path, name] = split_parent(link);
    refuse_escaping_symlinks(c.root.get(), parent_path);
    UniqueFd parent = make_dirs_in_root(c.root.get(), parent_path);
    // The target is only text; the container resolves it later, in its own root.
    if (::symlinkat(target.c_str(), parent.get(), name.c_str()) == 0) return;
    if (errno != EEXIST) throw_errno("symlink '{}' in the rootfs", link);
    std::array<char, 4096> buf{};
    ssize_t n = ::readlinkat(parent.get(), name.c_str(), buf.data(), buf.size() - 1);
    if (n >= 0 && std::string_view(buf.data(), static_cast<size_t>(n)) == target) return;
    // The image has its own file or link there: it wins, as with nvidia-ctk.
    warn("create-symlinks: '" + link + "' exists in the image; left as it is");
}

}  // namespace

void create_symlinks(const Container& c, const Args& args) {
    for (const auto& [name, value] : parse_options(args, {"--link"})) {
        size_t sep = value.find("::");
        if (sep == std::string::npos) throw_error("invalid link '{}' (TARGET::LINK)", value);
        make_link(c, value.substr(0, sep), value.substr(sep + 2));
    }
}

}  // namespace berth::hook
