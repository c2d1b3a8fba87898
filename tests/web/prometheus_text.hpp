// A strict reader of the Prometheus text format 0.0.4, so tests check what a scraper would.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace salon::test {

/// Samples by series, keyed as printed without spaces: `name{k="v",…}` (or just `name`).
struct Scrape {
    std::map<std::string, double> samples;
    std::map<std::string, std::string> types;  ///< family -> counter|gauge|histogram|…

    /// The sample's value; throws std::out_of_range naming the series when it is missing.
    double at(const std::string& series) const;
};

/// Parses the whole text; throws std::runtime_error with the line number on anything a
/// Prometheus server would reject (bad names, bad label syntax, a sample of a family without
/// TYPE, a duplicate series, a missing final newline, non-cumulative histogram buckets).
Scrape parse_prometheus_text(const std::string& text);

}  // namespace salon::test
