// Measures SqliteStore: commit() throughput by batch size and sync mode, the latency of a
// 50-message history() page over a database of 1,000,000 messages, and retention's pruning of
// such a database with the longest wait of the commits made meanwhile.
//
// Usage: sqlite_store_bench [DIR] [MESSAGES] [prune]   (DIR: where to put the scratch databases,
// default the system temp dir; MESSAGES: size of the history and pruning databases, default
// 1000000; `prune`: the pruning measure alone).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/conversation.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

using salon::core::Message;
using salon::core::MessageId;
using salon::store::MessageWrite;
using salon::store::SqliteOptions;
using salon::store::SqliteStore;
using salon::store::Write;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kChannels = 10;
constexpr std::size_t kPage = 50;

std::string channel_name(int i) {
    return "channel" + std::to_string(i);
}

/// A plausible chat line of 40-160 bytes.
std::string text_of(std::mt19937_64& rng) {
    static const std::string kWords[] = {
        "hello",
        "the",
        "build",
        "is",
        "green",
        "again",
        "lunch",
        "?",
        "deploy",
        "tomorrow",
        "review",
        "please",
        "ok"};
    std::string text;
    const auto target = 40 + rng() % 120;
    while (text.size() < target) {
        text += kWords[rng() % std::size(kWords)];
        text += ' ';
    }
    return text;
}

/// The message with id `id`: channels take turns, and every 50th message is a pending DM.
MessageWrite message_for(MessageId id, std::mt19937_64& rng) {
    MessageWrite write;
    write.message.id = id;
    write.message.from = "user" + std::to_string(id % 97);
    write.message.text = text_of(rng);
    write.message.ts_ms = 1'700'000'000'000 + id;
    write.message.rev = id;
    write.from_key = write.message.from;
    if (id % 50 == 0) {
        write.message.to = "user" + std::to_string(id % 89);
        write.pending_for.push_back(salon::core::UserName::parse(write.message.to).value());
        write.to_key = write.message.to;
        write.conversation = salon::core::direct_conversation(write.from_key, write.to_key);
    } else {
        write.message.channel = channel_name(static_cast<int>(id % kChannels));
        write.conversation = write.message.channel;
    }
    return write;
}

void remove_db(const fs::path& file) {
    const fs::path search = file.parent_path() / (file.stem().string() + "-search.db");
    for (const char* suffix : {"", "-wal", "-shm"}) {
        fs::remove(file.string() + suffix);
        fs::remove(search.string() + suffix);
    }
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

void bench_append(const fs::path& dir, SqliteOptions::Sync sync, std::size_t batch_size) {
    const fs::path file = dir / "append.db";
    remove_db(file);
    std::mt19937_64 rng(1);
    double elapsed = 0;
    MessageId next = 1;
    {
        SqliteStore store(file, {.sync = sync});
        // Build batches outside the timed region; stop after ~2 s or 300k messages.
        const auto start = Clock::now();
        while (seconds_since(start) < 2.0 && next < 300'000) {
            std::vector<Write> batch;
            for (std::size_t i = 0; i < batch_size; ++i)
                batch.emplace_back(message_for(next++, rng));
            const auto t0 = Clock::now();
            store.commit(batch);
            elapsed += seconds_since(t0);
        }
    }
    const auto written = static_cast<double>(next - 1);
    std::printf(
        "append  sync=%-6s batch=%-4zu %8.0f messages/s  %7.0f commits/s  (%.0f messages)\n",
        sync == SqliteOptions::Sync::full ? "FULL" : "NORMAL",
        batch_size,
        written / elapsed,
        written / static_cast<double>(batch_size) / elapsed,
        written
    );
    remove_db(file);
}

double percentile(std::vector<double> samples, double p) {
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
    return samples[index];
}

/// Commits `total` messages (ids 1 to total) in batches of 1024; returns the seconds it took.
double fill(SqliteStore& store, MessageId total, std::mt19937_64& rng) {
    const auto fill_start = Clock::now();
    for (MessageId next = 1; next <= total;) {
        std::vector<Write> batch;
        for (int i = 0; i < 1024 && next <= total; ++i)
            batch.emplace_back(message_for(next++, rng));
        store.commit(batch);
    }
    return seconds_since(fill_start);
}

void bench_history(const fs::path& dir, MessageId total) {
    const fs::path file = dir / "history.db";
    remove_db(file);
    SqliteStore store(file, {});
    std::mt19937_64 rng(2);
    const double fill_seconds = fill(store, total, rng);
    std::printf(
        "filled  %lld messages over %d channels in %.1f s, file %.0f MiB\n",
        static_cast<long long>(total),
        kChannels,
        fill_seconds,
        static_cast<double>(fs::file_size(file)) / (1024.0 * 1024.0)
    );
    // The indexer ran beside the fill on spare CPU; what it had left is timed here.
    const auto index_start = Clock::now();
    if (!store.wait_until_indexed(std::chrono::minutes(30))) {
        std::fprintf(stderr, "the search indexer did not catch up\n");
        std::exit(1);
    }
    const double catch_up = seconds_since(index_start);
    std::printf(
        "index   caught up %.1f s after the fill: %.0f messages/s indexed in the background\n",
        catch_up,
        static_cast<double>(total) / (fill_seconds + catch_up)
    );

    constexpr int kQueries = 5000;
    auto measure = [&](const char* label, auto before_of) {
        std::vector<double> micros;
        micros.reserve(kQueries);
        for (int q = 0; q < kQueries; ++q) {
            const auto channel = channel_name(static_cast<int>(rng() % kChannels));
            const std::optional<MessageId> before = before_of();
            const auto t0 = Clock::now();
            const auto page = store.history(channel, before, kPage);
            micros.push_back(seconds_since(t0) * 1e6);
            if (page.size() != kPage) {
                std::fprintf(stderr, "short page: %zu\n", page.size());
                std::exit(1);
            }
        }
        std::printf(
            "history %-22s 50/page p50 %6.1f us  p99 %6.1f us  max %7.1f us\n",
            label,
            percentile(micros, 0.50),
            percentile(micros, 0.99),
            percentile(micros, 1.0)
        );
    };
    measure("newest page", [] { return std::optional<MessageId>{}; });
    measure("random page (before)", [&] {
        // Leave room for a full page below.
        return std::optional<MessageId>{
            1000 + static_cast<MessageId>(rng() % static_cast<std::uint64_t>(total - 1000))};
    });
}

/// Prunes every message of a database of `total` (indexed for search first, as a server's
/// are) in retention's batches, while another thread commits one message a millisecond as a
/// chat would: the pruning rate, and how long those commits waited.
void bench_prune(const fs::path& dir, MessageId total) {
    const fs::path file = dir / "prune.db";
    remove_db(file);
    SqliteStore store(file, {});
    std::mt19937_64 rng(3);
    const double fill_seconds = fill(store, total, rng);
    if (!store.wait_until_indexed(std::chrono::minutes(30))) {
        std::fprintf(stderr, "the search indexer did not catch up\n");
        std::exit(1);
    }
    std::printf(
        "prune   filled and indexed %lld messages (fill %.1f s)\n",
        static_cast<long long>(total),
        fill_seconds
    );

    std::atomic<bool> pruning{true};
    std::vector<double> waits_ms;
    std::thread chat([&] {
        std::mt19937_64 chat_rng(4);
        for (MessageId id = total + 1; pruning.load(); ++id) {
            std::vector<Write> one{message_for(id, chat_rng)};
            // Kept: written now, long after every cutoff below.
            std::get<MessageWrite>(one[0]).message.ts_ms = 1'900'000'000'000;
            const auto t0 = Clock::now();
            store.commit(one);
            waits_ms.push_back(seconds_since(t0) * 1e3);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    const salon::store::PruneCutoffs everything{
        .channels = 1'800'000'000'000, .direct = 1'800'000'000'000, .by_channel = {}};
    const auto start = Clock::now();
    const std::size_t pruned = store.prune_messages(everything, 1000);
    const double seconds = seconds_since(start);
    pruning = false;
    chat.join();
    std::printf(
        "prune   %zu messages in %.1f s: %.0f messages/s (batches of 1000)\n",
        pruned,
        seconds,
        static_cast<double>(pruned) / seconds
    );
    std::printf(
        "prune   %zu commits meanwhile: wait p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
        waits_ms.size(),
        percentile(waits_ms, 0.50),
        percentile(waits_ms, 0.99),
        percentile(waits_ms, 1.0)
    );
}

}  // namespace

int main(int argc, char** argv) {
    const fs::path base = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path();
    const MessageId total = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
    const fs::path dir = base / ("salon-store-bench-" + std::to_string(getpid()));
    fs::create_directories(dir);
    try {
        if (argc > 3 && std::string(argv[3]) == "prune") {
            bench_prune(dir, total);
            fs::remove_all(dir);
            return 0;
        }
        for (auto sync : {SqliteOptions::Sync::normal, SqliteOptions::Sync::full}) {
            for (std::size_t batch : {1U, 16U, 256U}) bench_append(dir, sync, batch);
        }
        bench_history(dir, total);
        bench_prune(dir, total);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        fs::remove_all(dir);
        return 1;
    }
    fs::remove_all(dir);
    return 0;
}
