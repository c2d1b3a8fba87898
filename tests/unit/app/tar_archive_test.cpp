#include "app/tar_archive.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"

namespace salon::app {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The message of what `action` throws; "" when it throws nothing.
template <class Action>
std::string failure(Action action) {
    try {
        action();
        return {};
    } catch (const std::runtime_error& e) {
        return e.what();
    }
}

class TarArchiveTest : public ::testing::Test {
protected:
    /// An archive of three members: empty, exactly one block, and a file over two blocks.
    fs::path write_sample() {
        const fs::path source = dir_.path() / "source.bin";
        std::ofstream(source, std::ios::binary) << file_content_;
        const fs::path archive = dir_.path() / "sample.tar";
        TarWriter tar(archive);
        tar.add_text("empty.txt", "");
        tar.add_text("block.txt", block_);
        tar.add_file("data.bin", source);
        tar.finish();
        return archive;
    }

    test::TempDir dir_{"salon-tar"};
    std::string block_ = std::string(512, 'b');
    std::string file_content_ = std::string(1000, '\x01') + "end";
};

TEST_F(TarArchiveTest, MembersComeBackWithTheirNamesSizesAndBytes) {
    const fs::path archive = write_sample();
    EXPECT_EQ(fs::file_size(archive) % 512, 0u);
    EXPECT_EQ(
        fs::status(archive).permissions() & (fs::perms::group_all | fs::perms::others_all),
        fs::perms::none
    );
    TarReader tar(archive);
    auto member = tar.next();
    ASSERT_TRUE(member);
    EXPECT_EQ(member->name, "empty.txt");
    EXPECT_EQ(tar.read_text(10), "");
    member = tar.next();  // left unread: next() skips it
    ASSERT_TRUE(member);
    EXPECT_EQ(member->name, "block.txt");
    EXPECT_EQ(member->size, 512u);
    member = tar.next();
    ASSERT_TRUE(member);
    EXPECT_EQ(member->name, "data.bin");
    const fs::path extracted = dir_.path() / "extracted.bin";
    tar.extract_to(extracted);
    EXPECT_EQ(read_file(extracted), file_content_);
    EXPECT_FALSE(tar.next());
}

TEST_F(TarArchiveTest, AWriterNeverReplacesAFileAndAReaderBoundsText) {
    const fs::path archive = write_sample();
    EXPECT_NE(failure([&] { TarWriter again(archive); }).find("cannot create"), std::string::npos);
    TarReader tar(archive);
    tar.next();
    tar.next();
    EXPECT_NE(
        failure([&] { tar.read_text(100); }).find("larger than 100 bytes"), std::string::npos
    );
}

TEST_F(TarArchiveTest, DamageIsAnErrorThatSaysWhat) {
    const std::string bytes = read_file(write_sample());
    auto read_all = [&](std::string_view name, const std::string& content) {
        const fs::path file = dir_.path() / name;
        std::ofstream(file, std::ios::binary) << content;
        return failure([&] {
            TarReader tar(file);
            while (auto member = tar.next())
                tar.extract_to(dir_.path() / (std::string(name) + member->name));
        });
    };
    // Blocks: 0 empty.txt's header, 1-2 block.txt's, 3 data.bin's header, 4-5 its content, 6-7 the
    // end. Cut inside data.bin's content:
    EXPECT_NE(
        read_all("cut.tar", bytes.substr(0, 4 * 512 + 100)).find("truncated"), std::string::npos
    );
    EXPECT_NE(read_all("text.tar", "hello\n").find("not a tar archive"), std::string::npos);
    EXPECT_NE(
        read_all("zeros.tar", std::string(1024, '\0')).find("not a tar archive"), std::string::npos
    );
    std::string flipped = bytes;
    flipped[512 + 10] ^= 1;  // a byte of block.txt's header (block 1): its checksum fails
    EXPECT_NE(read_all("flipped.tar", flipped).find("damaged"), std::string::npos);
    // Without its end blocks, an archive cut at a member boundary still reads to the end.
    EXPECT_EQ(read_all("ends.tar", bytes.substr(0, 6 * 512)), "");
}

}  // namespace
}  // namespace salon::app
