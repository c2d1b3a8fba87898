// A plain tar archive (POSIX ustar), written and read as a stream: the container of a backup,
// which `tar` itself can list and unpack.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace salon::app {

/// Writes an archive member by member, each with mode 0600; finish() completes it. Memory is
/// one copy buffer whatever the sizes. Every failure throws std::runtime_error naming the file.
class TarWriter {
public:
    /// Creates `file`, private to the owner; it must not exist.
    explicit TarWriter(const std::filesystem::path& file);
    ~TarWriter();

    TarWriter(const TarWriter&) = delete;
    TarWriter& operator=(const TarWriter&) = delete;

    /// `name`: at most 99 bytes.
    void add_file(std::string_view name, const std::filesystem::path& source);
    void add_text(std::string_view name, std::string_view text);
    /// Writes the end-of-archive blocks and syncs the file to disk.
    void finish();

private:
    void write_header(std::string_view name, std::uint64_t size);
    void write_bytes(const char* data, std::size_t size);
    void write_padding(std::uint64_t size);

    std::filesystem::path file_;
    int fd_ = -1;
};

/// Reads an archive member by member. Every failure (not a tar archive, a damaged header, a
/// file that ends inside a member) throws std::runtime_error naming the file.
class TarReader {
public:
    struct Member {
        std::string name;  ///< without a leading "./"
        std::uint64_t size = 0;
    };

    explicit TarReader(const std::filesystem::path& file);
    ~TarReader();

    TarReader(const TarReader&) = delete;
    TarReader& operator=(const TarReader&) = delete;

    /// The next regular file (other entries are skipped, as is what is left of the member
    /// before); nullopt at the end of the archive.
    std::optional<Member> next();
    /// Copies the current member into the new file `target`, private to the owner.
    void extract_to(const std::filesystem::path& target);
    /// The current member as text; throws when it is larger than `max_bytes`.
    std::string read_text(std::size_t max_bytes);

private:
    void read_exactly(char* data, std::size_t size, std::string_view inside);
    void skip(std::uint64_t size, std::string_view inside);

    std::filesystem::path file_;
    int fd_ = -1;
    std::string member_;           // the current member's name, for messages
    std::uint64_t remaining_ = 0;  // of the current member's content
    std::uint64_t padding_ = 0;    // after it, up to the next 512-byte block
    bool first_ = true;
};

}  // namespace salon::app
