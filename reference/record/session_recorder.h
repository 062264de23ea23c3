// Records device sessions as captures (docs/captures.md, "Recorded
// captures"): `eas-admin devices record CONTEXT/LOGIN DEVICEID on` or the
// server's --record-all switches a device on; from its next request on,
// every exchange is added to a capture under --record-dir, one file per
// session, each exchange written in place of the file's footer as it
// comes (a crash loses at most the exchange being written). A session ends
// after --record-quiet without a request, when recording is switched off,
// or at a size bound; the next request starts a new file. Beside each capture, NAME.state.json: the account's groupware
// state when the session began (account_fixture.h).
#ifndef EAS_REFERENCE_RECORD_SESSION_RECORDER_H_
#define EAS_REFERENCE_RECORD_SESSION_RECORDER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "reference/record/capture_writer.h"

namespace eas::record {

struct RecorderOptions {
  std::string dir;  // --record-dir; empty: no recording
  bool record_all = false;
  absl::Duration quiet = absl::Minutes(10);
  // A session that grows past these ends; the next request starts another.
  size_t max_exchanges = 2000;
  size_t max_bytes = 64 << 20;
  // Sessions open at once (--record-all on a busy server): past this, new
  // devices are not recorded until others end.
  size_t max_sessions = 200;
};

class SessionRecorder {
 public:
  explicit SessionRecorder(RecorderOptions options) : options_(std::move(options)) {}

  bool enabled() const { return !options_.dir.empty(); }
  bool record_all() const { return options_.record_all; }

  // Before a request of the device runs (on its strand): opens a session if
  // none is open, exporting the account's state with `export_state` (slow
  // work; no lock of the recorder is held). False if the device is not
  // recorded after all (the session bound, a file that cannot be written).
  bool Begin(const std::string& device_key, const SessionInfo& info,
             const std::function<absl::StatusOr<nlohmann::json>()>& export_state, absl::Time now);
  // After the answer left: adds the exchange and writes the file.
  void Record(const std::string& device_key, const RecordedExchange& exchange, absl::Time now);
  // Recording switched off for the device: its session ends.
  void End(const std::string& device_key);

  // The capture file of the device's open session, or "" (tests, the admin).
  std::string OpenFile(const std::string& device_key) const;

  // Mail of the open session: `sent` is a message the device sent (its
  // copies are the device's doing); Arrived keeps of `seen` (MIME the
  // device is being given) what came from outside the session (neither in
  // the state it began with nor sent by the device), and remembers it, so
  // that each such mail is one deliver event. Empty without a session.
  void Sent(const std::string& device_key, const std::string& mime);
  std::vector<std::string> Arrived(const std::string& device_key, const std::vector<std::string>& seen);

 private:
  struct Session {
    std::string path;  // the capture file; set before the session is shared
    // Guards the rest and the file: a parked Ping's answer may come on
    // another thread than the device's next request.
    absl::Mutex mutex;
    absl::Time last ABSL_GUARDED_BY(mutex);
    std::unique_ptr<CaptureWriter> writer ABSL_GUARDED_BY(mutex);
    // The length of the footer the file ends with; 0 before the first write.
    size_t footer_bytes ABSL_GUARDED_BY(mutex) = 0;
    // Exchanges before the first that names the protocol (an OPTIONS),
    // written with the header once one does.
    std::string pending ABSL_GUARDED_BY(mutex);
    // What tells the session's mail apart (MailKeys): the state's at the
    // start, the device's own, the deliveries already written.
    absl::flat_hash_set<std::string> known_mail ABSL_GUARDED_BY(mutex);
  };

  RecorderOptions options_;
  mutable absl::Mutex mutex_;
  // Open sessions by device key; guards the map, never held across I/O nor
  // while a session's own mutex is taken.
  absl::flat_hash_map<std::string, std::shared_ptr<Session>> sessions_ ABSL_GUARDED_BY(mutex_);
};

// A file name part from text a client sent: letters, digits, '-' and '_'
// kept, anything else '_', at most `max` characters (never a path).
std::string FileNamePart(const std::string& text, size_t max = 40);

// What a message is known by: its Message-ID, and a digest of its bytes;
// with `subject`, also its Subject (a device's message, whose copies may
// get a Message-ID the device did not write).
std::vector<std::string> MailKeys(const std::string& mime, bool subject);

}  // namespace eas::record

#endif  // EAS_REFERENCE_RECORD_SESSION_RECORDER_H_
