#pragma once
// Bounded queue between pipeline threads. In latest-wins mode a push into a full queue drops the
// oldest item and counts it (a real-time camera cannot wait); in blocking mode the producer waits
// (every frame is processed). close() wakes everyone; pop() then drains what is left.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace smartcamrt {

template <typename T>
class FrameQueue {
 public:
  enum class Mode { kLatestWins, kBlocking };

  FrameQueue(size_t capacity, Mode mode) : capacity_(capacity == 0 ? 1 : capacity), mode_(mode) {}

  // False when the queue is closed (the item is discarded).
  bool push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (mode_ == Mode::kBlocking) {
      not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    }
    if (closed_) return false;
    if (items_.size() >= capacity_) {
      items_.pop_front();
      ++dropped_;
    }
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Waits up to `timeout`; std::nullopt on timeout or when closed and empty.
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) return std::nullopt;
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  bool closed_and_empty() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_ && items_.empty();
  }

  int64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }

 private:
  const size_t capacity_;
  const Mode mode_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  int64_t dropped_ = 0;
};

}  // namespace smartcamrt
