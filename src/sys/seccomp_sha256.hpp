// SHA-256 (FIPS 180-4) for the seccomp cache key. Our own small implementation keeps the
// key identical on every host and adds no crypto library to the runtime's dependencies.
// Parent only; no allocation, no exceptions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace berth::sys {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
    // `portable` skips the SHA-NI instructions (for tests: both must agree).
    explicit Sha256(bool portable = false) noexcept;
    void update(const void* data, std::size_t size) noexcept;
    void update(std::string_view text) noexcept { update(text.data(), text.size()); }
    // Finishes the hash; the object must not be updated afterwards.
    Sha256Digest finish() noexcept;

private:
    void compress(const std::uint8_t* block) noexcept;  // SHA-NI where the CPU has it
    void compress_portable(const std::uint8_t* block) noexcept;

    std::array<std::uint32_t, 8> state_;
    std::array<std::uint8_t, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
    bool portable_ = false;
};

Sha256Digest sha256(const void* data, std::size_t size) noexcept;

// Lowercase hex, 64 characters.
std::string to_hex(const Sha256Digest& digest);

}  // namespace berth::sys
