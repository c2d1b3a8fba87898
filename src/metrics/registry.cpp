#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace salon::metrics {
namespace {

bool valid_name(const std::string& name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

/// Label values and help text escape backslash and newline; label values also the quote.
std::string escape(std::string_view text, bool quote) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (quote && c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    // General form: 0.0001 rather than 1e-04 for bucket bounds, as other exporters print them.
    const auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general);
    return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

void append_labels(std::string& out, const Labels& labels, const std::string& le = {}) {
    if (labels.empty() && le.empty()) return;
    out += '{';
    bool first = true;
    for (const auto& [key, value] : labels) {
        if (!first) out += ',';
        first = false;
        out += key;
        out += "=\"";
        out += escape(value, true);
        out += '"';
    }
    if (!le.empty()) {
        if (!first) out += ',';
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

}  // namespace

void Gauge::add(double delta) noexcept {
    value_.fetch_add(delta, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
    if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
        std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
        throw std::invalid_argument("histogram bounds must be strictly increasing");
    }
}

void Histogram::observe(double value) noexcept {
    // Non-cumulative per bucket here; expose() adds them up, so an observation costs one
    // increment whatever the number of buckets.
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        running += counts_[i].load(std::memory_order_relaxed);
        out[i] = running;
    }
    return out;
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
    if (!(start > 0) || !(factor > 1)) {
        throw std::invalid_argument("exponential buckets need start > 0 and factor > 1");
    }
    std::vector<double> bounds;
    bounds.reserve(count);
    double bound = start;
    for (std::size_t i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
    return bounds;
}

Registry::Series& Registry::series(
    const std::string& name, const std::string& help, Type type, const Labels& labels
) {
    if (!valid_name(name)) throw std::invalid_argument("bad metric name: " + name);
    for (const auto& [key, value] : labels) {
        if (!valid_name(key) || key == "le" || key.find(':') != std::string::npos) {
            throw std::invalid_argument("bad label name: " + key);
        }
    }
    auto family = std::find_if(families_.begin(), families_.end(), [&](const Family& f) {
        return f.name == name;
    });
    if (family == families_.end()) {
        families_.push_back(Family{name, help, type, {}});
        family = std::prev(families_.end());
    } else if (family->type != type) {
        throw std::invalid_argument("metric " + name + " registered with another type");
    }
    for (auto& s : family->series) {
        if (s.labels == labels) return s;
    }
    family->series.push_back(Series{labels, nullptr, nullptr, nullptr});
    return family->series.back();
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    auto& s = series(name, help, Type::counter, labels);
    if (!s.counter) s.counter = std::make_unique<Counter>();
    return *s.counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    auto& s = series(name, help, Type::gauge, labels);
    if (!s.gauge) s.gauge = std::make_unique<Gauge>();
    return *s.gauge;
}

Histogram& Registry::histogram(
    const std::string& name,
    const std::string& help,
    std::vector<double> bounds,
    const Labels& labels
) {
    std::lock_guard lock(mutex_);
    auto& s = series(name, help, Type::histogram, labels);
    if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
    return *s.histogram;
}

std::string Registry::expose() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& family : families_) {
        out += "# HELP " + family.name + ' ' + escape(family.help, false) + '\n';
        out += "# TYPE " + family.name + ' ';
        out += family.type == Type::counter ? "counter"
               : family.type == Type::gauge ? "gauge"
                                            : "histogram";
        out += '\n';
        for (const auto& s : family.series) {
            if (s.counter) {
                out += family.name;
                append_labels(out, s.labels);
                out += ' ' + std::to_string(s.counter->value()) + '\n';
            } else if (s.gauge) {
                out += family.name;
                append_labels(out, s.labels);
                out += ' ' + format_value(s.gauge->value()) + '\n';
            } else if (s.histogram) {
                const auto counts = s.histogram->cumulative_counts();
                const auto& bounds = s.histogram->bounds();
                for (std::size_t i = 0; i < counts.size(); ++i) {
                    out += family.name + "_bucket";
                    append_labels(
                        out, s.labels, i < bounds.size() ? format_value(bounds[i]) : "+Inf"
                    );
                    out += ' ' + std::to_string(counts[i]) + '\n';
                }
                out += family.name + "_sum";
                append_labels(out, s.labels);
                out += ' ' + format_value(s.histogram->sum()) + '\n';
                out += family.name + "_count";
                append_labels(out, s.labels);
                out += ' ' + std::to_string(counts.back()) + '\n';
            }
        }
    }
    return out;
}

}  // namespace salon::metrics
