// Unit tests of salon_metrics: counters, gauges, histograms and their Prometheus text.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/process.hpp"
#include "metrics/registry.hpp"
#include "prometheus_text.hpp"

namespace salon::metrics {
namespace {

TEST(Metrics, CounterAndGaugeRenderWithHelpTypeAndLabels) {
    Registry r;
    r.counter("jobs_total", "Jobs done.", {{"kind", "a"}}).inc(3);
    r.counter("jobs_total", "Jobs done.", {{"kind", "b"}}).inc();
    auto& g = r.gauge("temperature", "Degrees.");
    g.set(21.5);
    g.dec();
    const std::string text = r.expose();
    EXPECT_NE(
        text.find("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\n"), std::string::npos
    );
    const auto scrape = test::parse_prometheus_text(text);
    EXPECT_EQ(scrape.at("jobs_total{kind=\"a\"}"), 3);
    EXPECT_EQ(scrape.at("jobs_total{kind=\"b\"}"), 1);
    EXPECT_EQ(scrape.at("temperature"), 20.5);
    EXPECT_EQ(scrape.types.at("temperature"), "gauge");
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
    Registry r;
    auto& a = r.counter("x_total", "X.");
    auto& b = r.counter("x_total", "X.");
    EXPECT_EQ(&a, &b);
    EXPECT_THROW(r.gauge("x_total", "X."), std::invalid_argument);
    EXPECT_THROW(r.counter("1bad", "no"), std::invalid_argument);
    EXPECT_THROW(r.counter("ok", "no", {{"le", "1"}}), std::invalid_argument);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
    Registry r;
    auto& h = r.histogram("latency_seconds", "Latency.", {0.1, 1, 10});
    for (const double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
    const auto scrape = test::parse_prometheus_text(r.expose());
    EXPECT_EQ(scrape.at("latency_seconds_bucket{le=\"0.1\"}"), 2);  // le is inclusive
    EXPECT_EQ(scrape.at("latency_seconds_bucket{le=\"1\"}"), 3);
    EXPECT_EQ(scrape.at("latency_seconds_bucket{le=\"10\"}"), 4);
    EXPECT_EQ(scrape.at("latency_seconds_bucket{le=\"+Inf\"}"), 5);
    EXPECT_EQ(scrape.at("latency_seconds_count"), 5);
    EXPECT_DOUBLE_EQ(scrape.at("latency_seconds_sum"), 55.65);
    EXPECT_THROW(Histogram({1, 1}), std::invalid_argument);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
    Registry r;
    r.counter("odd_total", "Back\\slash and\nnewline.", {{"path", "a\"b\\c\nd"}}).inc();
    const std::string text = r.expose();
    EXPECT_NE(text.find("# HELP odd_total Back\\\\slash and\\nnewline.\n"), std::string::npos);
    EXPECT_NE(text.find("odd_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
    EXPECT_NO_THROW(test::parse_prometheus_text(text));
}

TEST(Metrics, CountsFromManyThreadsAddUp) {
    Registry r;
    auto& c = r.counter("n_total", "N.");
    auto& g = r.gauge("g", "G.");
    auto& h = r.histogram("h", "H.", exponential_buckets(1, 2, 4));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                c.inc();
                const GaugeScope held(g);
                h.observe(1);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.value(), 40000U);
    EXPECT_EQ(g.value(), 0);
    EXPECT_EQ(h.cumulative_counts().back(), 40000U);
    EXPECT_EQ(h.sum(), 40000);
}

TEST(Metrics, ExponentialBuckets) {
    EXPECT_EQ(exponential_buckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
    EXPECT_THROW(exponential_buckets(0, 2, 3), std::invalid_argument);
}

TEST(Metrics, ResidentMemoryFromProcStatus) {
    EXPECT_EQ(parse_vm_rss("Name:\tx\nVmRSS:\t    1234 kB\nVmSwap: 0 kB\n"), 1234U * 1024);
    EXPECT_EQ(parse_vm_rss("Name:\tx\nVmSwap: 0 kB\n"), std::nullopt);
    EXPECT_EQ(parse_vm_rss("XVmRSS: 5 kB\n"), std::nullopt);
    const auto rss = resident_memory_bytes();
    ASSERT_TRUE(rss.has_value());
    EXPECT_GT(*rss, 1024U * 1024);  // a test process uses more than a MiB
}

TEST(PrometheusText, TheReaderRejectsWhatAScraperWould) {
    using test::parse_prometheus_text;
    EXPECT_THROW(parse_prometheus_text("# TYPE a counter\na 1"), std::runtime_error);  // no \n
    EXPECT_THROW(parse_prometheus_text("a 1\n"), std::runtime_error);                  // no TYPE
    EXPECT_THROW(parse_prometheus_text("# TYPE a counter\na{b=c} 1\n"), std::runtime_error);
    EXPECT_THROW(parse_prometheus_text("# TYPE a counter\na one\n"), std::runtime_error);
    EXPECT_THROW(parse_prometheus_text("# TYPE a counter\na 1\na 2\n"), std::runtime_error);
    EXPECT_THROW(
        parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} "
                              "1\nh_sum 1\nh_count 1\n"),
        std::runtime_error
    );
}

}  // namespace
}  // namespace salon::metrics
