#include "util/protobuf_wire.hpp"

#include "util/error.hpp"

namespace berth::protobuf {

void Writer::varint(std::uint64_t value) {
    while (value >= 0x80) {
        data_ += static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    data_ += static_cast<char>(value);
}

void Writer::uint(int field, std::uint64_t value) {
    varint(static_cast<std::uint64_t>(field) << 3);
    varint(value);
}

void Writer::int32(int field, std::int32_t value) {
    uint(field, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
}

void Writer::bytes(int field, std::string_view value) {
    varint(static_cast<std::uint64_t>(field) << 3 | 2);
    varint(value.size());
    data_.append(value);
}

std::uint64_t Reader::varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (at_ >= data_.size()) throw Error("decode protobuf: truncated varint");
        auto byte = static_cast<unsigned char>(data_[at_++]);
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return value;
    }
    throw Error("decode protobuf: varint longer than 10 bytes");
}

bool Reader::next(Field& out) {
    if (at_ >= data_.size()) return false;
    std::uint64_t key = varint();
    out = Field{};
    out.number = static_cast<int>(key >> 3);
    out.wire_type = static_cast<int>(key & 7);
    auto fixed = [this](std::size_t n) {
        if (data_.size() - at_ < n) throw Error("decode protobuf: truncated fixed field");
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[at_ + i])) << (8 * i);
        at_ += n;
        return v;
    };
    switch (out.wire_type) {
    case 0: out.value = varint(); break;
    case 1: out.value = fixed(8); break;
    case 5: out.value = fixed(4); break;
    case 2: {
        std::uint64_t n = varint();
        if (n > data_.size() - at_) throw Error("decode protobuf: length beyond the message");
        out.bytes = data_.substr(at_, n);
        at_ += n;
        break;
    }
    default: throw Error(fmt::format("decode protobuf: unsupported wire type {}", out.wire_type));
    }
    return true;
}

}  // namespace berth::protobuf
