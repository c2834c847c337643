#include "connection_pool.hpp"

#include <utility>

namespace smartcamrt {
namespace {

thread_local bool t_rejecting = false;

}  // namespace

ConnectionPool::ConnectionPool(size_t max_connections) : max_connections_(max_connections > 0 ? max_connections : 1) {
  for (size_t i = 0; i < max_connections_; ++i) threads_.emplace_back([this] { serve_loop(); });
  threads_.emplace_back([this] { reject_loop(); });
}

ConnectionPool::~ConnectionPool() { shutdown(); }

bool ConnectionPool::rejecting() { return t_rejecting; }

void ConnectionPool::enqueue(std::function<void()> fn) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (assigned_ < max_connections_) {
      ++assigned_;
      jobs_.push_back(std::move(fn));
    } else {
      space_.wait(lock, [&] { return rejects_.size() < kRejectBacklog || stopping_; });
      rejects_.push_back(std::move(fn));
    }
  }
  work_.notify_all();
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  work_.notify_all();
  space_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void ConnectionPool::serve_loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_.wait(lock, [&] { return !jobs_.empty() || stopping_; });
      if (jobs_.empty()) return;  // stopping, and every accepted connection was served
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();  // httplib's: serves the connection, then closes its socket
    std::lock_guard<std::mutex> lock(mutex_);
    --assigned_;
  }
}

void ConnectionPool::reject_loop() {
  t_rejecting = true;
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_.wait(lock, [&] { return !rejects_.empty() || stopping_; });
      if (rejects_.empty()) return;
      job = std::move(rejects_.front());
      rejects_.pop_front();
    }
    space_.notify_one();
    job();
  }
}

}  // namespace smartcamrt
