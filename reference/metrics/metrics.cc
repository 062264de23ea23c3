#include "reference/metrics/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace eas::metrics {
namespace {

std::string Number(double v) {
  if (v == static_cast<double>(static_cast<long long>(v))) return absl::StrCat(static_cast<long long>(v));
  return absl::StrFormat("%.6g", v);
}

std::string Braced(absl::string_view labels, absl::string_view extra = "") {
  if (labels.empty() && extra.empty()) return "";
  if (labels.empty()) return absl::StrCat("{", extra, "}");
  if (extra.empty()) return absl::StrCat("{", labels, "}");
  return absl::StrCat("{", labels, ",", extra, "}");
}

}  // namespace

const std::vector<double>& Buckets() {
  static const std::vector<double>* buckets =
      new std::vector<double>{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600};
  return *buckets;
}

Registry& Registry::Default() {
  static Registry* registry = new Registry();
  return *registry;
}

void Registry::Count(absl::string_view name, absl::string_view labels, double value) {
  absl::MutexLock lock(&mutex_);
  counters_[std::string(name)][std::string(labels)] += value;
}

void Registry::Observe(absl::string_view name, absl::string_view labels, double seconds) {
  absl::MutexLock lock(&mutex_);
  Histogram& h = histograms_[std::string(name)][std::string(labels)];
  if (h.counts.empty()) h.counts.assign(Buckets().size() + 1, 0);
  size_t i = 0;
  while (i < Buckets().size() && seconds > Buckets()[i]) ++i;
  ++h.counts[i];
  h.sum += seconds;
  ++h.count;
}

void Registry::Gauge(const std::string& name, const std::string& help, std::function<double()> read) {
  absl::MutexLock lock(&mutex_);
  gauges_[name] = {help, std::move(read)};
}

void Registry::Describe(const std::string& name, const std::string& help) {
  absl::MutexLock lock(&mutex_);
  help_[name] = help;
}

double Registry::Value(absl::string_view name, absl::string_view labels) const {
  absl::MutexLock lock(&mutex_);
  auto n = counters_.find(std::string(name));
  if (n == counters_.end()) return 0;
  auto l = n->second.find(std::string(labels));
  return l == n->second.end() ? 0 : l->second;
}

std::string Registry::Exposition() const {
  std::map<std::string, std::pair<std::string, std::function<double()>>> gauges;
  std::string out;
  {
    absl::MutexLock lock(&mutex_);
    gauges = gauges_;
    auto help = [&](const std::string& name, const char* type) {
      if (auto h = help_.find(name); h != help_.end()) absl::StrAppend(&out, "# HELP ", name, " ", h->second, "\n");
      absl::StrAppend(&out, "# TYPE ", name, " ", type, "\n");
    };
    for (const auto& [name, series] : counters_) {
      help(name, "counter");
      for (const auto& [labels, value] : series) absl::StrAppend(&out, name, Braced(labels), " ", Number(value), "\n");
    }
    for (const auto& [name, series] : histograms_) {
      help(name, "histogram");
      for (const auto& [labels, h] : series) {
        double cumulative = 0;
        for (size_t i = 0; i < Buckets().size(); ++i) {
          cumulative += h.counts[i];
          absl::StrAppend(&out, name, "_bucket", Braced(labels, absl::StrCat("le=\"", Number(Buckets()[i]), "\"")),
                          " ", Number(cumulative), "\n");
        }
        absl::StrAppend(&out, name, "_bucket", Braced(labels, "le=\"+Inf\""), " ", Number(h.count), "\n");
        absl::StrAppend(&out, name, "_sum", Braced(labels), " ", Number(h.sum), "\n");
        absl::StrAppend(&out, name, "_count", Braced(labels), " ", Number(h.count), "\n");
      }
    }
  }
  // Gauges are read outside the lock: a reader may take locks of its own.
  for (const auto& [name, gauge] : gauges) {
    absl::StrAppend(&out, "# HELP ", name, " ", gauge.first, "\n# TYPE ", name, " gauge\n", name, " ",
                    Number(gauge.second()), "\n");
  }
  return out;
}

}  // namespace eas::metrics
