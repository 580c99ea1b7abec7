#include "hook_common.hpp"

#include "oci/parse.hpp"
#include "util/error.hpp"
#include "hooks/nvidia/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <iterator>

namespace berth::hook {
namespace {

std::string read_stdin() {
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read the container state from stdin");
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > (1u << 20)) throw_error("read the container state from stdin: larger than 1 MiB");
    }
    return text;
}

}  // namespace

Container read_container() {
    Container c;
    c.state = oci::parse_state(read_stdin(), "state (stdin)");
    if (c.state.bundle.empty() || c.state.bundle.front() != '/')
        throw_error("state (stdin): .bundle: must be an absolute path");
    std::string path = c.state.bundle + "/config.json";
    c.config = oci::parse_config(read_file(path), path);
    if (!c.config.root || c.config.root->path.empty()) throw_error("{}: .root.path: missing", path);
    c.rootfs = clean_path(c.config.root->path, c.state.bundle);
    return c;
}

void open_rootfs(Container& c) {
    int fd = ::open(c.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("open rootfs '{}'", c.rootfs);
    c.root = UniqueFd(fd);
}

bool run_container_step(std::string_view name, const Container& container, const Args& args) {
    try {
        if (name == "create-symlinks")
            create_symlinks(container, args);
        else if (name == "update-ldcache")
            update_ldcache(container, args);
        else if (name == "mask-procfs")
            mask_procfs(container, args);
        else
            return false;
    } catch (const Error& e) {
        throw e.with_context(std::string(name));
    }
    return true;
}

std::vector<std::pair<std::string, std::string>> parse_options(const Args& args,
                                                               std::initializer_list<std::string_view> known) {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::string value;
        if (size_t eq = name.find('='); name.starts_with("--") && eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            throw_error("option '{}' needs a value", name);
        }
        if (std::find(known.begin(), known.end(), name) == known.end())
            throw_error("unknown option '{}'", name);
        out.emplace_back(std::move(name), std::move(value));
    }
    return out;
}

std::string clean_path(std::string_view path, std::string_view base) {
    std::string joined = path.starts_with('/') ? std::string(path) : std::string(base) + "/" + std::string(path);
    std::vector<std::string_view> parts;
    std::string_view rest = joined;
    while (!rest.empty()) {
        size_t slash = rest.find('/');
        std::string_view part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else {
            parts.push_back(part);
        }
    }
    std::string out;
    for (std::string_view part : parts) {
        out.push_back('/');
        out.append(part);
    }
    return out.empty() ? std::string("/") : out;
}

std::string read_file(const std::string& path) {
    std::optional<std::string> text = nvidia::read_file_if_exists(path, 16u << 20);
    if (!text) throw_error("read '{}': no such file", path);
    return *text;
}

void warn(std::string_view text) {
    std::fprintf(stderr, "berth-nvidia-hook: warning: %.*s\n", static_cast<int>(text.size()), text.data());
}

}  // namespace berth::hook
