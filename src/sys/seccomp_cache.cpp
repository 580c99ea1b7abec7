#include "sys/seccomp_cache.hpp"

#include "util/log.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::sys {
namespace {

constexpr char kMagic[8] = {'B', 'E', 'R', 'T', 'H', 'B', 'P', 'F'};
// Bump when the header, the key serialisation or the compiled program's shape changes,
// so old files miss. 2: the ENOSYS stub in front of the filter. 3: libseccomp's binary tree.
// 4: the tree rewritten as ranges of syscall numbers.
constexpr std::uint32_t kFormatVersion = 4;

struct CacheHeader {
    char magic[8];
    std::uint32_t format_version;
    std::uint32_t flags;
    std::uint32_t needs_listener;
    std::uint32_t instructions;
    Sha256Digest key;
    Sha256Digest digest;  // of this header (with a zero digest) and the program
};
static_assert(sizeof(CacheHeader) == 88, "the cache header has a fixed layout");

constexpr std::size_t kMaxFileSize = sizeof(CacheHeader) + BPF_MAXINSNS * sizeof(sock_filter);

// Feeds fields into the hash with fixed-width little-endian lengths and numbers, so
// that no two different profiles serialise to the same bytes.
class KeyWriter {
public:
    explicit KeyWriter(Sha256& hash) : hash_(hash) {}
    void number(std::uint64_t v) {
        std::uint8_t bytes[8];
        for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(v >> (8 * i));
        hash_.update(bytes, sizeof bytes);
    }
    void text(std::string_view s) {
        number(s.size());
        hash_.update(s);
    }
    void optional(const std::optional<std::uint32_t>& v) {
        number(v ? 1 : 0);
        number(v.value_or(0));
    }
    void texts(const std::vector<std::string>& list) {
        number(list.size());
        for (const std::string& s : list) text(s);
    }

private:
    Sha256& hash_;
};

Sha256Digest file_digest(CacheHeader header, const void* program, std::size_t program_size) {
    header.digest = {};
    Sha256 hash;
    hash.update(&header, sizeof header);
    hash.update(program, program_size);
    return hash.finish();
}

bool valid_header(const CacheHeader& header, const Sha256Digest& key, std::size_t size) {
    if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) return false;
    if (header.format_version != kFormatVersion || header.key != key) return false;
    if (header.instructions == 0 || header.instructions > BPF_MAXINSNS) return false;
    return size == sizeof(CacheHeader) + header.instructions * sizeof(sock_filter);
}

}  // namespace

Sha256Digest seccomp_cache_key(const oci::Seccomp& seccomp) {
    Sha256 hash;
    KeyWriter w(hash);
    w.text("berth seccomp cache");
    w.number(kFormatVersion);
    // The BPF libseccomp emits may change between its releases and depends on the arch.
    const scmp_version* version = seccomp_version();
    w.number(version->major);
    w.number(version->minor);
    w.number(version->micro);
    w.number(seccomp_arch_native());
    w.text(seccomp.default_action);
    w.optional(seccomp.default_errno_ret);
    w.texts(seccomp.architectures);
    w.texts(seccomp.flags);
    w.number(seccomp.syscalls.size());
    for (const oci::SeccompSyscall& syscall : seccomp.syscalls) {
        w.texts(syscall.names);
        w.text(syscall.action);
        w.optional(syscall.errno_ret);
        w.number(syscall.args.size());
        for (const oci::SeccompArg& arg : syscall.args) {
            w.number(arg.index);
            w.number(arg.value);
            w.number(arg.value_two);
            w.text(arg.op);
        }
    }
    return hash.finish();
}

std::string seccomp_cache_path(const std::string& dir, const Sha256Digest& key) {
    return dir + "/" + to_hex(key) + ".bpf";
}

std::optional<SeccompPlan> load_cached_seccomp(const std::string& dir, const Sha256Digest& key) {
    std::string path = seccomp_cache_path(dir, key);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno != ENOENT) log::debug("seccomp cache: open \"{}\": {}", path, std::strerror(errno));
        return std::nullopt;
    }
    // One read of up to the largest valid size (+1 to notice a longer file) instead
    // of fstat and two reads: this is the hot path of a repeated profile.
    std::vector<std::uint8_t> bytes(kMaxFileSize + 1);
    std::size_t size = 0;
    while (size < bytes.size()) {
        ssize_t n = ::read(fd.get(), bytes.data() + size, bytes.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            log::debug("seccomp cache: read \"{}\": {}", path, std::strerror(errno));
            return std::nullopt;
        }
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    CacheHeader header{};
    if (size >= sizeof header) std::memcpy(&header, bytes.data(), sizeof header);
    if (size < sizeof header || !valid_header(header, key, size)) {
        log::debug("seccomp cache: ignoring invalid file \"{}\"", path);
        return std::nullopt;
    }
    const std::uint8_t* program_bytes = bytes.data() + sizeof header;
    std::size_t program_size = size - sizeof header;
    if (file_digest(header, program_bytes, program_size) != header.digest) {
        log::debug("seccomp cache: ignoring corrupt file \"{}\"", path);
        return std::nullopt;
    }
    SeccompPlan plan;
    plan.program.resize(header.instructions);
    std::memcpy(plan.program.data(), program_bytes, program_size);
    plan.flags = header.flags;
    plan.needs_listener = header.needs_listener != 0;
    return plan;
}

bool store_cached_seccomp(const std::string& dir, const Sha256Digest& key, const SeccompPlan& plan) {
    if (plan.program.empty() || plan.program.size() > BPF_MAXINSNS) return false;
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) {
        log::debug("seccomp cache: create \"{}\": {}", dir, std::strerror(errno));
        return false;
    }
    CacheHeader header{};
    std::memcpy(header.magic, kMagic, sizeof kMagic);
    header.format_version = kFormatVersion;
    header.flags = plan.flags;
    header.needs_listener = plan.needs_listener ? 1 : 0;
    header.instructions = static_cast<std::uint32_t>(plan.program.size());
    header.key = key;
    std::size_t program_size = plan.program.size() * sizeof(sock_filter);
    header.digest = file_digest(header, plan.program.data(), program_size);

    std::string path = seccomp_cache_path(dir, key);
    // A per-process temporary name: concurrent creates of the same profile each write
    // their own file, and rename() makes whichever finishes last the visible one.
    std::string temp = fmt::format("{}/.{}.{}.tmp", dir, to_hex(key), ::getpid());
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) {
        log::debug("seccomp cache: create \"{}\": {}", temp, std::strerror(errno));
        return false;
    }
    iovec parts[2] = {{&header, sizeof header},
                      {const_cast<sock_filter*>(plan.program.data()), program_size}};
    ssize_t written = ::writev(fd.get(), parts, 2);
    // No fsync: after a crash a torn file fails validation and is simply rebuilt.
    bool ok = written == static_cast<ssize_t>(sizeof header + program_size);
    if (ok) ok = ::rename(temp.c_str(), path.c_str()) == 0;
    if (!ok) {
        log::debug("seccomp cache: write \"{}\": {}", path, written < 0 ? std::strerror(errno) : "short write");
        ::unlink(temp.c_str());
    }
    return ok;
}

}  // namespace berth::sys
