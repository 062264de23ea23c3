// Prometheus metrics (text exposition format 0.0.4) for the admin
// endpoint (--admin-listen): counters and histograms with fixed label sets,
// and gauges read when scraped. Label values come from fixed sets (command
// names of the command table, HTTP codes), never from what a client sends
// as it is, so a client cannot grow the set.
#ifndef EAS_REFERENCE_METRICS_METRICS_H_
#define EAS_REFERENCE_METRICS_METRICS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace eas::metrics {

class Registry {
 public:
  // The process's registry.
  static Registry& Default();

  // name{labels} += value; `labels` is the inside of the braces
  // (command="Sync",code="200") or "".
  void Count(absl::string_view name, absl::string_view labels, double value = 1);
  // A duration in seconds into name{labels}'s buckets.
  void Observe(absl::string_view name, absl::string_view labels, double seconds);
  // A value read at every scrape.
  void Gauge(const std::string& name, const std::string& help, std::function<double()> read);
  // What a counter or histogram means (# HELP); optional.
  void Describe(const std::string& name, const std::string& help);

  std::string Exposition() const;
  // A counter's value (tests).
  double Value(absl::string_view name, absl::string_view labels) const;

 private:
  struct Histogram {
    std::vector<double> counts;  // per bucket, not cumulative
    double sum = 0;
    double count = 0;
  };
  mutable absl::Mutex mutex_;
  std::map<std::string, std::map<std::string, double>> counters_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::map<std::string, Histogram>> histograms_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::pair<std::string, std::function<double()>>> gauges_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::string> help_ ABSL_GUARDED_BY(mutex_);
};

// The histogram buckets (seconds): from a quiet Sync to a parked Ping.
const std::vector<double>& Buckets();

}  // namespace eas::metrics

#endif  // EAS_REFERENCE_METRICS_METRICS_H_
