// A value that arrives later, handed over exactly once: the producer calls
// Complete, the consumer Then; whichever comes second runs the callback.
// (Ping answers when something changes; the network front waits for it.)
#ifndef EAS_REFERENCE_EAS_LATER_H_
#define EAS_REFERENCE_EAS_LATER_H_

#include <functional>
#include <mutex>
#include <optional>
#include <utility>

namespace eas {

template <typename T>
class Later {
 public:
  void Complete(T value) {
    std::function<void(T)> then;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (done_) return;
      done_ = true;
      if (!then_) {
        value_.emplace(std::move(value));
        return;
      }
      then = std::move(then_);
    }
    then(std::move(value));
  }

  void Then(std::function<void(T)> then) {
    std::optional<T> ready;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!value_) {
        then_ = std::move(then);
        return;
      }
      ready = std::move(value_);
      value_.reset();
    }
    then(std::move(*ready));
  }

 private:
  std::mutex mutex_;
  bool done_ = false;
  std::optional<T> value_;
  std::function<void(T)> then_;
};

}  // namespace eas

#endif  // EAS_REFERENCE_EAS_LATER_H_
