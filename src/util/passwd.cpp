#include "util/passwd.hpp"

#include "util/fs.hpp"
#include "util/text.hpp"

namespace berth::passwd {

std::optional<Entry> find_uid(std::string_view text, uid_t uid) {
    const std::string id = std::to_string(uid);
    for (const auto& line : text::split(text, '\n')) {
        const auto fields = text::split(line, ':');
        if (fields.size() >= 6 && fields[2] == id && !fields[0].empty()) return Entry{fields[0], fields[5]};
    }
    return std::nullopt;
}

std::optional<std::string> host_user_name(uid_t uid) {
    try {
        const auto text = fs::read_file_if_exists("/etc/passwd");
        if (!text) return std::nullopt;
        if (auto entry = find_uid(*text, uid)) return entry->name;
    } catch (...) {
        // unreadable: no name, as getpwuid would say
    }
    return std::nullopt;
}

}  // namespace berth::passwd
