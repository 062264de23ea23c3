#include "reference/push/push_hub.h"

namespace eas::push {

PushHub::PushHub() : timer_([this] { TimerLoop(); }) {}

PushHub::~PushHub() {
  std::vector<std::shared_ptr<Waiter>> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& [id, w] : waiters_) left.push_back(w);
    waiters_.clear();
  }
  wake_.notify_all();
  timer_.join();
  for (auto& w : left) w->done({});
}

std::shared_ptr<PushHub::Waiter> PushHub::Take(uint64_t id) {
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return nullptr;
  std::shared_ptr<Waiter> w = it->second;
  waiters_.erase(it);
  auto dev = by_device_.find(w->device_key);
  if (dev != by_device_.end() && dev->second == id) by_device_.erase(dev);
  auto& folders = by_folder_[w->account_key];
  for (const auto& f : w->folders) {
    auto fit = folders.find(f);
    if (fit != folders.end()) {
      fit->second.erase(id);
      if (fit->second.empty()) folders.erase(fit);
    }
  }
  if (folders.empty()) by_folder_.erase(w->account_key);
  for (auto d = deadlines_.lower_bound(w->deadline); d != deadlines_.end() && d->first == w->deadline; ++d) {
    if (d->second == id) {
      deadlines_.erase(d);
      break;
    }
  }
  return w;
}

void PushHub::Park(const std::string& account_key, const std::string& device_key,
                   const std::vector<std::string>& folders, std::chrono::seconds heartbeat,
                   Completion done, Check check) {
  std::shared_ptr<Waiter> replaced;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = by_device_.find(device_key); it != by_device_.end()) replaced = Take(it->second);
    auto w = std::make_shared<Waiter>();
    w->id = next_id_++;
    w->account_key = account_key;
    w->device_key = device_key;
    w->folders.insert(folders.begin(), folders.end());
    w->deadline = std::chrono::steady_clock::now() + heartbeat;
    w->done = std::move(done);
    w->check = std::move(check);
    waiters_[w->id] = w;
    by_device_[device_key] = w->id;
    for (const auto& f : w->folders) by_folder_[account_key][f].insert(w->id);
    deadlines_.emplace(w->deadline, w->id);
  }
  wake_.notify_all();
  if (replaced) replaced->done({});  // MS-ASCMD 3.2.5.1: the newer Ping wins
}

std::function<void()> PushHub::StartCheck(const std::shared_ptr<Waiter>& w) {
  if (w->checking || w->moved.empty()) return nullptr;
  w->checking = true;
  std::vector<std::string> moved(w->moved.begin(), w->moved.end());
  w->moved.clear();
  const uint64_t id = w->id;
  return [this, id, check = w->check, moved = std::move(moved)]() mutable {
    check(std::move(moved), [this, id](std::vector<std::string> with_changes) {
      Answered(id, std::move(with_changes));
    });
  };
}

void PushHub::Answered(uint64_t id, std::vector<std::string> with_changes) {
  std::shared_ptr<Waiter> done;
  std::function<void()> again;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;  // it ended meanwhile
    if (!with_changes.empty()) {
      done = Take(id);
    } else {
      it->second->checking = false;
      again = StartCheck(it->second);  // folders that moved during the check
    }
  }
  if (done) done->done(std::move(with_changes));
  if (again) again();
}

void PushHub::Notify(const std::string& account_key, const std::string& folder_id) {
  std::vector<std::shared_ptr<Waiter>> woken;
  std::vector<std::function<void()>> checks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto acc = by_folder_.find(account_key);
    if (acc == by_folder_.end()) return;
    auto fit = acc->second.find(folder_id);
    if (fit == acc->second.end()) return;
    const std::set<uint64_t> ids = fit->second;
    for (uint64_t id : ids) {
      auto it = waiters_.find(id);
      if (it == waiters_.end()) continue;
      if (it->second->check) {
        it->second->moved.insert(folder_id);
        if (auto start = StartCheck(it->second)) checks.push_back(std::move(start));
      } else if (auto w = Take(id)) {
        woken.push_back(std::move(w));
      }
    }
  }
  for (auto& w : woken) w->done({folder_id});
  for (auto& check : checks) check();
}

void PushHub::Wake(const std::string& device_key, std::vector<std::string> folders) {
  std::shared_ptr<Waiter> w;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = by_device_.find(device_key);
    if (it == by_device_.end()) return;
    w = Take(it->second);
  }
  if (w) w->done(std::move(folders));
}

void PushHub::Abandon() {
  std::lock_guard<std::mutex> lock(mutex_);
  waiters_.clear();
  by_device_.clear();
  by_folder_.clear();
  deadlines_.clear();
}

size_t PushHub::parked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiters_.size();
}

void PushHub::TimerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (deadlines_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto next = deadlines_.begin()->first;
    if (wake_.wait_until(lock, next) == std::cv_status::no_timeout && !stopping_) continue;
    std::vector<std::shared_ptr<Waiter>> expired;
    const auto now = std::chrono::steady_clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      if (auto w = Take(deadlines_.begin()->second)) expired.push_back(std::move(w));
    }
    lock.unlock();
    for (auto& w : expired) w->done({});
    lock.lock();
  }
}

}  // namespace eas::push
