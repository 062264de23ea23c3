#include "reference/metrics/metrics.h"

#include <string>

#include "gtest/gtest.h"

namespace eas::metrics {
namespace {

TEST(Exposition, CountersHistogramsAndGaugesInPrometheusTextForm) {
  Registry r;
  r.Describe("eas_requests_total", "requests answered");
  r.Count("eas_requests_total", "command=\"Sync\",code=\"200\"");
  r.Count("eas_requests_total", "command=\"Sync\",code=\"200\"");
  r.Count("eas_requests_total", "command=\"Ping\",code=\"200\"");
  r.Observe("eas_request_duration_seconds", "command=\"Sync\"", 0.003);
  r.Observe("eas_request_duration_seconds", "command=\"Sync\"", 2.0);
  r.Gauge("eas_parked_requests", "requests parked", [] { return 7.0; });
  const std::string text = r.Exposition();
  EXPECT_NE(text.find("# HELP eas_requests_total requests answered\n# TYPE eas_requests_total counter\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("eas_requests_total{command=\"Sync\",code=\"200\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eas_requests_total{command=\"Ping\",code=\"200\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE eas_request_duration_seconds histogram\n"), std::string::npos);
  // Cumulative buckets: 0.003 s is in le=0.005 and up, 2 s from le=2.5.
  EXPECT_NE(text.find("eas_request_duration_seconds_bucket{command=\"Sync\",le=\"0.001\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("eas_request_duration_seconds_bucket{command=\"Sync\",le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("eas_request_duration_seconds_bucket{command=\"Sync\",le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("eas_request_duration_seconds_bucket{command=\"Sync\",le=\"2.5\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("eas_request_duration_seconds_bucket{command=\"Sync\",le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("eas_request_duration_seconds_count{command=\"Sync\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("eas_request_duration_seconds_sum{command=\"Sync\"} 2.003\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE eas_parked_requests gauge\neas_parked_requests 7\n"), std::string::npos);
  EXPECT_EQ(r.Value("eas_requests_total", "command=\"Sync\",code=\"200\""), 2);
  EXPECT_EQ(r.Value("eas_requests_total", "command=\"Nope\""), 0);
}

}  // namespace
}  // namespace eas::metrics
