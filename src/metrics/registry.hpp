// Prometheus-style counters, gauges and histograms, and their text exposition (format 0.0.4).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace salon::metrics {

/// Label pairs of one series, in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count. Lock-free; safe from any thread.
class Counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }

    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down. Lock-free; safe from any thread.
class Gauge {
public:
    void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }

    void add(double delta) noexcept;

    void inc() noexcept { add(1); }

    void dec() noexcept { add(-1); }

    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

/// Holds a gauge one higher for its lifetime: a live connection, say.
class GaugeScope {
public:
    explicit GaugeScope(Gauge& gauge) noexcept : gauge_(gauge) { gauge_.inc(); }

    ~GaugeScope() { gauge_.dec(); }

    GaugeScope(const GaugeScope&) = delete;
    GaugeScope& operator=(const GaugeScope&) = delete;

private:
    Gauge& gauge_;
};

/// Observations counted into cumulative buckets, with their sum. Safe from any thread; a
/// scrape may see an observation in the count a moment before it is in the sum (Prometheus
/// clients accept the same).
class Histogram {
public:
    /// `bounds`: the buckets' upper bounds, strictly increasing; +Inf is implied.
    explicit Histogram(std::vector<double> bounds);

    void observe(double value) noexcept;

    const std::vector<double>& bounds() const noexcept { return bounds_; }

    /// Cumulative counts per bound, then the +Inf bucket (= the count).
    std::vector<std::uint64_t> cumulative_counts() const;

    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, then +Inf
    std::atomic<double> sum_{0};
};

/// Observes the seconds from its construction to its destruction into a histogram.
class ScopedTimer {
public:
    explicit ScopedTimer(Histogram& histogram) noexcept
        : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}

    ~ScopedTimer() {
        histogram_.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()
        );
    }

    ScopedTimer(const ScopedTimer&) = delete;
    ScopedTimer& operator=(const ScopedTimer&) = delete;

private:
    Histogram& histogram_;
    std::chrono::steady_clock::time_point start_;
};

/// `count` bounds starting at `start`, each `factor` times the previous.
std::vector<double> exponential_buckets(double start, double factor, std::size_t count);

/// Owns metric families and renders them. Registration takes a lock and returns references
/// that stay valid for the registry's lifetime; updating a metric never takes the lock.
class Registry {
public:
    /// The series of family `name` with `labels`, created on first use. The same name must
    /// always be registered with the same type.
    /// @throws std::invalid_argument for a bad name or a type clash.
    Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
    Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
    Histogram& histogram(
        const std::string& name,
        const std::string& help,
        std::vector<double> bounds,
        const Labels& labels = {}
    );

    /// Every family in registration order, in the Prometheus text format 0.0.4.
    std::string expose() const;

private:
    enum class Type { counter, gauge, histogram };

    struct Series {
        Labels labels;
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Gauge> gauge;
        std::unique_ptr<Histogram> histogram;
    };

    struct Family {
        std::string name;
        std::string help;
        Type type;
        std::deque<Series> series;
    };

    Series& series(
        const std::string& name, const std::string& help, Type type, const Labels& labels
    );

    mutable std::mutex mutex_;
    std::deque<Family> families_;
};

/// Content-Type of expose()'s output.
inline constexpr const char* kTextFormatContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace salon::metrics
