// The device-quirk table (quirks.txt): which clients get which deviation
// from the specification, and why.
#ifndef EAS_REFERENCE_DEVICES_DEVICE_QUIRKS_H_
#define EAS_REFERENCE_DEVICES_DEVICE_QUIRKS_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eas::devices {

inline constexpr char kUnknownCollectionAsInvalidKey[] = "unknown-collection-as-invalid-key";
inline constexpr char kEstimateInsteadOfInvalidKey[] = "estimate-instead-of-invalid-key";
inline constexpr char kBirthdayAt0800Utc[] = "birthday-at-0800-utc";
inline constexpr char kBirthdayAt1100Utc[] = "birthday-at-1100-utc";
inline constexpr char kBirthdayAtLocalMidnight[] = "birthday-at-local-midnight";
inline constexpr char kAnswerWithin20s[] = "answer-within-20s";
inline constexpr char kAnswerWithin90s[] = "answer-within-90s";
inline constexpr char kGhostWithoutSupported[] = "ghost-without-supported";

struct Quirk {
  std::string name;
  std::string behaviour;
  std::vector<std::string> sources;
  std::vector<std::string> device_types;        // exact DeviceType values
  std::vector<std::string> user_agent_prefixes;
  // How long the client waits for an answer before it gives up (seconds;
  // 0: the quirk says nothing of it). `deadline N` in quirks.txt.
  int deadline_seconds = 0;
};

class QuirkTable {
 public:
  static const QuirkTable& Default();  // quirks.txt as built in
  static absl::StatusOr<std::unique_ptr<QuirkTable>> Parse(absl::string_view text);

  const std::vector<Quirk>& quirks() const { return quirks_; }
  const Quirk* Find(absl::string_view name) const;

  // The quirks that apply to a device, less those an admin turned off, plus
  // those an admin turned on for everyone.
  std::set<std::string> For(absl::string_view device_type, absl::string_view user_agent,
                            const std::set<std::string>& disabled,
                            const std::set<std::string>& forced) const;
  // The shortest client deadline among `applied` quirks; 0 if none says.
  int DeadlineSeconds(const std::set<std::string>& applied) const;

 private:
  std::vector<Quirk> quirks_;
};

}  // namespace eas::devices

#endif  // EAS_REFERENCE_DEVICES_DEVICE_QUIRKS_H_
