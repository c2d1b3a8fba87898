// The strict Prometheus text reader of the web tests.
#include "prometheus_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace salon::test {

namespace {

bool name_char(char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
}

[[noreturn]] void fail(int line, const std::string& why, const std::string& text) {
    throw std::runtime_error("line " + std::to_string(line) + ": " + why + ": " + text);
}

std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            const std::string base = name.substr(0, name.size() - suffix.size());
            const auto it = types.find(base);
            if (it != types.end() && (it->second == "histogram" || it->second == "summary")) {
                return base;
            }
        }
    }
    return name;
}

double parse_value(const std::string& text, int line) {
    if (text == "+Inf") return 1.0 / 0.0;
    if (text == "-Inf") return -1.0 / 0.0;
    if (text == "NaN") return 0.0 / 0.0;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) fail(line, "bad value", text);
    return value;
}

}  // namespace

double Scrape::at(const std::string& series) const {
    const auto it = samples.find(series);
    if (it == samples.end()) throw std::out_of_range("no series " + series);
    return it->second;
}

Scrape parse_prometheus_text(const std::string& text) {
    if (text.empty() || text.back() != '\n') throw std::runtime_error("must end with a newline");
    Scrape scrape;
    std::istringstream in(text);
    std::string row;
    int line = 0;
    while (std::getline(in, row)) {
        ++line;
        if (row.empty()) continue;
        if (row[0] == '#') {
            std::istringstream words(row);
            std::string hash, kind, name, type;
            words >> hash >> kind >> name;
            if (kind == "TYPE") {
                words >> type;
                static const std::vector<std::string> kTypes{
                    "counter", "gauge", "histogram", "summary", "untyped"};
                if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
                    fail(line, "unknown type", row);
                }
                if (scrape.types.contains(name)) fail(line, "second TYPE", row);
                scrape.types[name] = type;
            }
            continue;
        }
        std::size_t at = 0;
        while (at < row.size() && name_char(row[at], at == 0)) ++at;
        if (at == 0) fail(line, "bad metric name", row);
        const std::string name = row.substr(0, at);
        std::string key = name;
        if (at < row.size() && row[at] == '{') {
            key += '{';
            ++at;
            bool first = true;
            while (at < row.size() && row[at] != '}') {
                if (!first) {
                    if (row[at] != ',') fail(line, "expected ','", row);
                    key += ',';
                    ++at;
                }
                first = false;
                const std::size_t start = at;
                while (at < row.size() && name_char(row[at], at == start)) ++at;
                if (at == start || at + 1 >= row.size() || row[at] != '=' || row[at + 1] != '"') {
                    fail(line, "bad label", row);
                }
                key += row.substr(start, at - start) + "=\"";
                at += 2;
                while (at < row.size() && row[at] != '"') {
                    if (row[at] == '\\') {
                        if (at + 1 >= row.size() ||
                            std::string("\\\"n").find(row[at + 1]) == std::string::npos) {
                            fail(line, "bad escape", row);
                        }
                        key += row.substr(at, 2);
                        at += 2;
                    } else {
                        key += row[at++];
                    }
                }
                if (at >= row.size()) fail(line, "unterminated label value", row);
                key += '"';
                ++at;
            }
            if (at >= row.size()) fail(line, "unterminated labels", row);
            key += '}';
            ++at;
        }
        if (at >= row.size() || row[at] != ' ')
            fail(line, "expected a space before the value", row);
        std::istringstream rest(row.substr(at + 1));
        std::string value_text, timestamp;
        rest >> value_text >> timestamp;
        const double value = parse_value(value_text, line);
        const std::string family = family_of(name, scrape.types);
        if (!scrape.types.contains(family)) fail(line, "sample before its TYPE", row);
        if (!scrape.samples.emplace(key, value).second) fail(line, "duplicate series", row);
    }
    // Histogram buckets must be cumulative and end with +Inf equal to _count.
    for (const auto& [family, type] : scrape.types) {
        if (type != "histogram") continue;
        std::vector<std::pair<double, double>> buckets;  // (le, count)
        for (const auto& [key, value] : scrape.samples) {
            if (!key.starts_with(family + "_bucket{")) continue;
            const auto le = key.find("le=\"");
            if (le == std::string::npos) throw std::runtime_error(key + " has no le label");
            const auto end = key.find('"', le + 4);
            buckets.emplace_back(parse_value(key.substr(le + 4, end - le - 4), 0), value);
        }
        std::sort(buckets.begin(), buckets.end());
        if (buckets.empty() || buckets.back().first != 1.0 / 0.0) {
            throw std::runtime_error(family + " has no +Inf bucket");
        }
        for (std::size_t i = 1; i < buckets.size(); ++i) {
            if (buckets[i].second < buckets[i - 1].second) {
                throw std::runtime_error(family + ": buckets are not cumulative");
            }
        }
        const auto count = scrape.samples.find(family + "_count");
        const auto inf = scrape.samples.find(family + "_bucket{le=\"+Inf\"}");
        if (count == scrape.samples.end() ||
            scrape.samples.find(family + "_sum") == scrape.samples.end()) {
            throw std::runtime_error(family + " lacks _count or _sum");
        }
        if (inf != scrape.samples.end() && inf->second != count->second) {
            throw std::runtime_error(family + ": +Inf bucket differs from _count");
        }
    }
    return scrape;
}

}  // namespace salon::test
