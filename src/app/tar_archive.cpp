#include "app/tar_archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <utility>
#include <vector>

namespace salon::app {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kBlock = 512;
// The copy buffer: large enough that a multi-gigabyte database costs few system calls.
constexpr std::size_t kCopyBytes = 1 << 20;

// Offsets and widths of the ustar header fields used here.
constexpr std::size_t kNameAt = 0, kNameWidth = 100;
constexpr std::size_t kModeAt = 100, kUidAt = 108, kGidAt = 116, kIdWidth = 8;
constexpr std::size_t kSizeAt = 124, kSizeWidth = 12;
constexpr std::size_t kMtimeAt = 136, kMtimeWidth = 12;
constexpr std::size_t kChecksumAt = 148, kChecksumWidth = 8;
constexpr std::size_t kTypeAt = 156;
constexpr std::size_t kMagicAt = 257;
constexpr std::size_t kPrefixAt = 345, kPrefixWidth = 155;

using Block = std::array<char, kBlock>;

[[noreturn]] void fail(const fs::path& file, std::string_view what) {
    throw std::runtime_error(file.string() + ": " + std::string(what));
}

[[noreturn]] void fail_errno(const fs::path& file, std::string_view what) {
    fail(file, std::string(what) + ": " + std::strerror(errno));
}

/// `value` in octal, zero-padded, in a field of `width` (its last byte NUL). Sizes too large
/// for the octal field (8 GiB and up) use the base-256 form GNU tar and bsdtar read.
void put_number(Block& block, std::size_t at, std::size_t width, std::uint64_t value) {
    const std::size_t digits = width - 1;
    if (digits * 3 < 64 && value >= (std::uint64_t{1} << (digits * 3))) {
        for (std::size_t i = width; i-- > 1;) {
            block[at + i] = static_cast<char>(value & 0xFF);
            value >>= 8;
        }
        block[at] = static_cast<char>(0x80);
        return;
    }
    for (std::size_t i = digits; i-- > 0;) {
        block[at + i] = static_cast<char>('0' + (value & 7));
        value >>= 3;
    }
    block[at + digits] = '\0';
}

/// A numeric field in either form; nullopt when it is neither.
std::optional<std::uint64_t> get_number(const Block& block, std::size_t at, std::size_t width) {
    const auto first = static_cast<unsigned char>(block[at]);
    std::uint64_t value = 0;
    if (first == 0x80) {
        for (std::size_t i = 1; i < width; ++i) {
            if (value >> 56 != 0) return std::nullopt;
            value = (value << 8) | static_cast<unsigned char>(block[at + i]);
        }
        return value;
    }
    std::size_t i = 0;
    while (i < width && block[at + i] == ' ') ++i;
    bool any = false;
    for (; i < width && block[at + i] >= '0' && block[at + i] <= '7'; ++i) {
        if (value >> 61 != 0) return std::nullopt;
        value = (value << 3) | static_cast<std::uint64_t>(block[at + i] - '0');
        any = true;
    }
    if (!any) return std::nullopt;
    for (; i < width; ++i) {
        if (block[at + i] != ' ' && block[at + i] != '\0') return std::nullopt;
    }
    return value;
}

/// The header's checksum: every byte summed as unsigned, the checksum field counted as spaces.
std::uint64_t checksum(const Block& block) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
        const bool in_field = i >= kChecksumAt && i < kChecksumAt + kChecksumWidth;
        sum += in_field ? std::uint64_t{' '} : static_cast<unsigned char>(block[i]);
    }
    return sum;
}

std::string field_text(const Block& block, std::size_t at, std::size_t width) {
    const char* start = block.data() + at;
    return {start, static_cast<std::size_t>(std::find(start, start + width, '\0') - start)};
}

std::uint64_t padding_of(std::uint64_t size) {
    return (kBlock - size % kBlock) % kBlock;
}

}  // namespace

TarWriter::TarWriter(const fs::path& file) : file_(file) {
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) fail_errno(file_, "cannot create");
}

TarWriter::~TarWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void TarWriter::write_bytes(const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t written = ::write(fd_, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            fail_errno(file_, "cannot write");
        }
        data += written;
        size -= static_cast<std::size_t>(written);
    }
}

void TarWriter::write_padding(std::uint64_t size) {
    const Block zeros{};
    write_bytes(zeros.data(), static_cast<std::size_t>(padding_of(size)));
}

void TarWriter::write_header(std::string_view name, std::uint64_t size) {
    if (name.size() >= kNameWidth) fail(file_, "member name too long: " + std::string(name));
    Block block{};
    std::copy(name.begin(), name.end(), block.begin() + kNameAt);
    put_number(block, kModeAt, kIdWidth, 0600);
    put_number(block, kUidAt, kIdWidth, 0);
    put_number(block, kGidAt, kIdWidth, 0);
    put_number(block, kSizeAt, kSizeWidth, size);
    put_number(block, kMtimeAt, kMtimeWidth, static_cast<std::uint64_t>(std::time(nullptr)));
    block[kTypeAt] = '0';
    constexpr std::string_view kMagic{
        "ustar\0"
        "00",
        8};
    std::copy(kMagic.begin(), kMagic.end(), block.begin() + kMagicAt);
    // Six octal digits, NUL, space: the layout every tar writes.
    put_number(block, kChecksumAt, 7, checksum(block));
    block[kChecksumAt + 7] = ' ';
    write_bytes(block.data(), block.size());
}

void TarWriter::add_text(std::string_view name, std::string_view text) {
    write_header(name, text.size());
    write_bytes(text.data(), text.size());
    write_padding(text.size());
}

void TarWriter::add_file(std::string_view name, const fs::path& source) {
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail_errno(source, "cannot open");
    std::uint64_t size = 0;
    try {
        std::error_code ec;
        size = fs::file_size(source, ec);
        if (ec) fail(source, "cannot read its size: " + ec.message());
        write_header(name, size);
        std::vector<char> buffer(kCopyBytes);
        std::uint64_t left = size;
        while (left > 0) {
            const ssize_t got =
                ::read(in, buffer.data(), std::min<std::uint64_t>(left, kCopyBytes));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) fail_errno(source, "cannot read");
            if (got == 0) fail(source, "changed size while being archived");
            write_bytes(buffer.data(), static_cast<std::size_t>(got));
            left -= static_cast<std::uint64_t>(got);
        }
    } catch (...) {
        ::close(in);
        throw;
    }
    ::close(in);
    write_padding(size);
}

void TarWriter::finish() {
    const Block zeros{};
    write_bytes(zeros.data(), zeros.size());
    write_bytes(zeros.data(), zeros.size());
    if (::fsync(fd_) != 0) fail_errno(file_, "cannot sync");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_errno(file_, "cannot close");
}

TarReader::TarReader(const fs::path& file) : file_(file) {
    fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail_errno(file_, "cannot open");
}

TarReader::~TarReader() {
    ::close(fd_);
}

void TarReader::read_exactly(char* data, std::size_t size, std::string_view inside) {
    while (size > 0) {
        const ssize_t got = ::read(fd_, data, size);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail_errno(file_, "cannot read");
        if (got == 0) fail(file_, "the file is truncated: it ends inside " + std::string(inside));
        data += got;
        size -= static_cast<std::size_t>(got);
    }
}

void TarReader::skip(std::uint64_t size, std::string_view inside) {
    std::vector<char> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(size, kCopyBytes)));
    while (size > 0) {
        const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, kCopyBytes));
        read_exactly(buffer.data(), chunk, inside);
        size -= chunk;
    }
}

std::optional<TarReader::Member> TarReader::next() {
    for (;;) {
        skip(remaining_ + padding_, member_);
        remaining_ = padding_ = 0;
        Block block{};
        const ssize_t got = ::read(fd_, block.data(), block.size());
        if (got < 0) fail_errno(file_, "cannot read");
        const bool was_first = std::exchange(first_, false);
        // A missing end-of-archive marker is tolerated at a member boundary; a partial header is
        // not.
        if (got == 0 && !was_first) return std::nullopt;
        if (got < static_cast<ssize_t>(kBlock)) {
            if (was_first) fail(file_, "not a tar archive (too short)");
            read_exactly(block.data() + got, kBlock - static_cast<std::size_t>(got), "a header");
        }
        if (std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; })) {
            if (was_first) fail(file_, "not a tar archive (it starts empty)");
            return std::nullopt;
        }
        const auto sum = get_number(block, kChecksumAt, kChecksumWidth);
        const auto size = get_number(block, kSizeAt, kSizeWidth);
        if (field_text(block, kMagicAt, 5) != "ustar" || !sum || *sum != checksum(block) || !size) {
            fail(file_, was_first ? "not a tar archive" : "a damaged member header");
        }
        std::string name = field_text(block, kNameAt, kNameWidth);
        if (const auto prefix = field_text(block, kPrefixAt, kPrefixWidth); !prefix.empty())
            name = prefix + "/" + name;
        if (name.starts_with("./")) name.erase(0, 2);
        member_ = name;
        remaining_ = *size;
        padding_ = padding_of(*size);
        const char type = block[kTypeAt];
        if (type == '0' || type == '\0') return Member{.name = std::move(name), .size = *size};
    }
}

void TarReader::extract_to(const fs::path& target) {
    const int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) fail_errno(target, "cannot create");
    try {
        std::vector<char> buffer(kCopyBytes);
        while (remaining_ > 0) {
            const auto chunk =
                static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, kCopyBytes));
            read_exactly(buffer.data(), chunk, member_);
            for (std::size_t done = 0; done < chunk;) {
                const ssize_t written = ::write(out, buffer.data() + done, chunk - done);
                if (written < 0 && errno == EINTR) continue;
                if (written < 0) fail_errno(target, "cannot write");
                done += static_cast<std::size_t>(written);
            }
            remaining_ -= chunk;
        }
        if (::fsync(out) != 0) fail_errno(target, "cannot sync");
    } catch (...) {
        ::close(out);
        throw;
    }
    if (::close(out) != 0) fail_errno(target, "cannot close");
}

std::string TarReader::read_text(std::size_t max_bytes) {
    if (remaining_ > max_bytes) {
        fail(file_, member_ + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    std::string text(static_cast<std::size_t>(remaining_), '\0');
    read_exactly(text.data(), text.size(), member_);
    remaining_ = 0;
    return text;
}

}  // namespace salon::app
