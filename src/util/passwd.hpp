// /etc/passwd read by berth itself, never through getpwuid(3): NSS loads its modules with
// dlopen, which a static berth cannot do soundly (README: "Static binary"). Like runc's
// libcontainer/user, only the files are consulted, so a user known only to LDAP or sssd
// has no name here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace berth::passwd {

struct Entry {
    std::string name;
    std::string home;
};

// The first line of the passwd text `text` (name:password:uid:gid:gecos:home:shell)
// whose uid is `uid`, or nullopt. Pure; does not throw.
std::optional<Entry> find_uid(std::string_view text, uid_t uid);

// The host's name for `uid` from /etc/passwd, or nullopt when it has none or the file
// is unreadable. Does not throw.
std::optional<std::string> host_user_name(uid_t uid);

}  // namespace berth::passwd
