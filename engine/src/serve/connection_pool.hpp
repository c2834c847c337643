#pragma once
// The live view's task queue for cpp-httplib: a fixed number of connections served at once, and a
// 503 for the rest instead of an unbounded wait.
//
// Why a queue of our own: httplib's ThreadPool queues every accepted connection without limit, and
// an MJPEG viewer holds its worker for as long as it watches. Here each accepted connection goes to
// a free worker of `max_connections`; when none is free it goes to one rejecting worker, whose
// requests the server answers 503 (rejecting() tells the handler, see live_view.cpp). The rejecting
// worker's own queue is bounded too: when it is full, enqueue() waits, so the accept loop stops
// accepting and further clients wait in the kernel's small listen backlog, not in memory.
//
// Thread contract (httplib's): enqueue() and shutdown() from the server's accept thread.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace smartcamrt {

class ConnectionPool : public httplib::TaskQueue {
 public:
  static constexpr size_t kRejectBacklog = 32;

  explicit ConnectionPool(size_t max_connections);
  ~ConnectionPool() override;
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;  // serves what was accepted (fast once the server has stopped), joins

  // True on the rejecting worker: the request must be answered 503.
  static bool rejecting();

 private:
  void serve_loop();
  void reject_loop();

  const size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable work_, space_;
  std::deque<std::function<void()>> jobs_, rejects_;
  size_t assigned_ = 0;  // connections queued for or held by a serving worker
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace smartcamrt
