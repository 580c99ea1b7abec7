// The protobuf wire format (proto2), just what berth speaks to CRIU's RPC (runtime/criu_rpc):
// varints, length-delimited strings and nested messages. Hand-written rather than
// protoc-c output so the static berth needs no libprotobuf-c (README, Design notes).
// Pure data, no system calls; the reader throws berth::Error on a malformed message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::protobuf {

// Appends fields to a message in the order called (protobuf accepts any order).
class Writer {
public:
    void uint(int field, std::uint64_t value);  // uint32/uint64/bool/enum: a varint
    void int32(int field, std::int32_t value);  // negative: sign-extended to 64 bits, as protobuf does
    void boolean(int field, bool value) { uint(field, value ? 1 : 0); }
    void bytes(int field, std::string_view value);  // string, bytes or a nested message
    void message(int field, const Writer& nested) { bytes(field, nested.data_); }
    const std::string& data() const noexcept { return data_; }

private:
    void varint(std::uint64_t value);
    std::string data_;
};

// One field of a message being read: its number, wire type and value.
struct Field {
    int number = 0;
    int wire_type = 0;          // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
    std::uint64_t value = 0;    // varint, fixed32 or fixed64
    std::string_view bytes;     // length-delimited (points into the message)
};

// Walks the fields of one message; views point into `data`, which must outlive them.
class Reader {
public:
    explicit Reader(std::string_view data) : data_(data) {}
    // The next field into `out`; false at the end. Throws on a truncated or malformed one.
    bool next(Field& out);

private:
    std::uint64_t varint();
    std::string_view data_;
    std::size_t at_ = 0;
};

}  // namespace berth::protobuf
