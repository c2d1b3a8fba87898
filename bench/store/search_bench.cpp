// Measures the version-2 reads of SqliteStore over a database of 1,000,000 messages: SEARCH
// (trigram substring, 3-8 characters, in the 100 channels a user is in), HISTORY after a rev
// (changed_after) and conversation_stats for that user's 100 channels.
//
// Usage: search_bench [FILE] [MESSAGES]   (FILE: the database, reused when it exists so that
// the fill runs once; default search_bench.db in the system temp dir; MESSAGES: default 1000000).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"

namespace {

using salon::core::MessageId;
using salon::store::MessageChange;
using salon::store::MessageWrite;
using salon::store::SearchQuery;
using salon::store::SqliteStore;
using salon::store::Write;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kChannels = 200;
constexpr int kUserChannels = 100;  // the measured user is in channels 0-99
constexpr int kUsers = 500;
constexpr int kQueries = 2000;

std::string channel_name(int i) {
    return "channel" + std::to_string(i);
}

/// Words built from syllables: a vocabulary of some thousands with shared fragments, so that
/// trigrams range from rare to very common as in real chat.
std::string word_of(std::mt19937_64& rng) {
    static const char* const kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "shi", "bo",
                                             "de", "fa", "gu", "hi", "jo", "pe", "qu",  "st",
                                             "an", "er", "in", "on", "ch", "th", "ou",  "ei"};
    std::string word;
    // Zipf-like: short words are far more frequent.
    const auto syllables = 1 + std::min<std::uint64_t>(rng() % 8, rng() % 4);
    for (std::uint64_t i = 0; i < syllables; ++i) word += kSyllables[rng() % std::size(kSyllables)];
    return word;
}

std::string text_of(std::mt19937_64& rng) {
    std::string text;
    const auto target = 20 + rng() % 140;
    while (text.size() < target) {
        if (!text.empty()) text += ' ';
        text += word_of(rng);
    }
    return text;
}

MessageWrite message_for(MessageId id, std::mt19937_64& rng) {
    MessageWrite write;
    write.message.id = id;
    write.message.rev = id;
    write.message.from = "user" + std::to_string(rng() % kUsers);
    write.message.text = text_of(rng);
    write.message.ts_ms = 1'700'000'000'000 + id;
    write.message.channel = channel_name(static_cast<int>(rng() % kChannels));
    write.conversation = write.message.channel;
    write.from_key = write.message.from;
    // One message in 20 mentions the measured user.
    if (rng() % 20 == 0) {
        write.message.mentions.push_back("user0");
        write.mention_keys.push_back("user0");
    }
    return write;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double percentile(std::vector<double> samples, double p) {
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
    return samples[index];
}

void report(const char* label, const std::vector<double>& micros) {
    std::printf(
        "%-44s p50 %8.1f us  p99 %8.1f us  max %8.1f us\n",
        label,
        percentile(micros, 0.50),
        percentile(micros, 0.99),
        percentile(micros, 1.0)
    );
}

void fill(SqliteStore& store, MessageId total) {
    std::mt19937_64 rng(1);
    const auto start = Clock::now();
    for (MessageId next = 1; next <= total;) {
        std::vector<Write> batch;
        for (int i = 0; i < 1000 && next <= total; ++i)
            batch.emplace_back(message_for(next++, rng));
        store.commit(batch);
    }
    // Some later changes, so that changed_after has edits and reactions to find.
    MessageId rev = total;
    for (int round = 0; round < 100; ++round) {
        std::vector<Write> batch;
        for (int i = 0; i < 100; ++i) {
            MessageChange change;
            change.kind = MessageChange::Kind::react;
            change.id = 1 + static_cast<MessageId>(rng() % static_cast<std::uint64_t>(total));
            change.rev = ++rev;
            change.actor_key = "user" + std::to_string(rng() % kUsers);
            change.actor_name = change.actor_key;
            change.emoji = "👍";
            batch.emplace_back(change);
        }
        store.commit(batch);
    }
    std::printf(
        "filled %lld messages in %.1f s\n", static_cast<long long>(total), seconds_since(start)
    );
}

}  // namespace

int main(int argc, char** argv) {
    const fs::path file =
        argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "search_bench.db";
    const MessageId total = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
    try {
        const bool fresh = !fs::exists(file);
        SqliteStore store(file, {});
        if (fresh) fill(store, total);
        // Search sees a message once the background indexer has it: measure the index complete.
        const auto index_start = Clock::now();
        if (!store.wait_until_indexed(std::chrono::minutes(30))) {
            std::fprintf(stderr, "error: the search indexer did not catch up\n");
            return 1;
        }
        std::printf("index caught up %.1f s after opening\n", seconds_since(index_start));
        std::printf(
            "file %.0f MiB\n", static_cast<double>(fs::file_size(file)) / (1024.0 * 1024.0)
        );
        const MessageId last = store.max_message_id();

        std::vector<std::string> channels;
        for (int i = 0; i < kUserChannels; ++i) channels.push_back(channel_name(i));

        // Queries: 3-8 character substrings of messages that exist (so most have hits, from a
        // few to hundreds of thousands), newest page of 20.
        std::mt19937_64 rng(2);
        std::vector<std::vector<double>> by_length(9);
        std::vector<double> all;
        std::size_t hits = 0;
        for (int q = 0; q < kQueries; ++q) {
            const MessageId id =
                1 + static_cast<MessageId>(rng() % static_cast<std::uint64_t>(last));
            const auto message = store.find_message(id);
            if (!message || message->message.text.size() < 8) continue;
            const std::string& text = message->message.text;
            const std::size_t length = 3 + rng() % 6;
            const std::size_t at = rng() % (text.size() - length + 1);
            const SearchQuery query{
                .text = text.substr(at, length),
                .conversations = channels,
                .from_folded = std::nullopt,
                .before = std::nullopt,
                .limit = 20,
            };
            const auto t0 = Clock::now();
            const auto found = store.search(query);
            const double micros = seconds_since(t0) * 1e6;
            hits += found.messages.size();
            by_length[length].push_back(micros);
            all.push_back(micros);
        }
        std::printf(
            "search: %zu queries, %.1f results each on average\n",
            all.size(),
            static_cast<double>(hits) / static_cast<double>(all.size())
        );
        report("search, 100 channels, limit 20, all", all);
        for (std::size_t length = 3; length <= 8; ++length) {
            const std::string label = "search, " + std::to_string(length) + " characters";
            report(label.c_str(), by_length[length]);
        }

        std::vector<double> changed;
        for (int q = 0; q < kQueries; ++q) {
            const auto channel = channel_name(static_cast<int>(rng() % kChannels));
            // A client back after missing the last 0-5,000 ids of the server.
            const MessageId after = last - static_cast<MessageId>(rng() % 5000);
            const auto t0 = Clock::now();
            store.changed_after(channel, after, 200);
            changed.push_back(seconds_since(t0) * 1e6);
        }
        report("changed_after, last 0-5000 revs, limit 200", changed);

        // The user has read each channel up to somewhere in its last ~2,000 messages (a channel
        // holds one id in 200).
        for (const std::string& channel : channels) {
            const MessageId marker = last - static_cast<MessageId>(rng() % 400'000);
            store.advance_read_marker("user0", channel, marker);
        }
        std::vector<double> stats;
        for (int q = 0; q < 500; ++q) {
            const auto t0 = Clock::now();
            store.conversation_stats("user0", channels, 100);
            stats.push_back(seconds_since(t0) * 1e6);
        }
        report("conversation_stats, 100 channels, cap 100", stats);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
