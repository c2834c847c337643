#pragma once
// Hot switching of model and/or runtime while a run goes on. A request starts loading the next
// Task on a background thread and warming it up (first inferences are slow in every runtime);
// the pipeline thread takes it between two frames, so no frame waits for the load.
//
// Besides the running task it holds a few more, loaded and warm (a pool of kWarmPool, least recently
// used out first): the tasks replaced (a revert takes one back at once) and the standbys the
// controller asks for (the rungs a step down would take, so that a step down under load does not wait
// seconds for a load under that very load). Standbys load one after another on one background thread.
//
// Thread-safety: request(), prepare_standby(), holds_warm(), standby_failure() and busy() may be
// called from any thread; take_ready() and retire() by the pipeline thread only.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "smartcamrt/tasks/task.hpp"

namespace smartcamrt {

struct SwitchRequest {
  std::string model_path;  // empty = keep the current model
  std::string runtime;     // empty = chosen by the model file's suffix
  int threads = 0;         // 0 = keep the current thread count
  std::string reason;      // why (the optimizer's decision); recorded with the switch event
};

class ModelSwitcher {
 public:
  // `base` supplies everything a request does not change (thresholds, threads); `source` sizes the
  // blank warm-up item (the source's frame size).
  ModelSwitcher(TaskConfig base, SourceInfo source);
  ~ModelSwitcher();  // waits for a load in progress
  ModelSwitcher(const ModelSwitcher&) = delete;
  ModelSwitcher& operator=(const ModelSwitcher&) = delete;

  // Starts preparing; false (and nothing starts) while another switch is still being prepared.
  // A request that keeps the model (runtime or threads only) applies to the model in use, which the
  // pipeline reports through set_current(). A request for a task held warm (one replaced, a standby)
  // gets it at once; for a standby still loading, as soon as its load ends.
  bool request(const SwitchRequest& request);
  // The prepared task, once ready; nullptr otherwise. A failed preparation is reported once
  // through `failure` (one line) and leaves the current task in place. `taken` (optional) receives
  // the request that was served.
  std::unique_ptr<Task> take_ready(std::string* failure, SwitchRequest* taken = nullptr);
  // Hands the replaced task over: kept warm in the pool (a revert takes it back) until it is the least
  // recently used beyond kWarmPool, then destroyed off the pipeline thread.
  void retire(std::unique_ptr<Task> old);
  // The configuration now in use: what a partial request (runtime= alone) starts from.
  void set_current(const std::string& model_path, const std::string& runtime, int threads);
  bool busy() const { return busy_.load(); }

  // Queues `request`'s configuration to be loaded and warmed in the background and kept in the pool
  // (nothing when it is held, loading or queued already). A request for it while it loads is served
  // as soon as the load ends. A standby that fails to load is reported once through
  // standby_failure() and not kept.
  void prepare_standby(const SwitchRequest& request);
  // Whether `request`'s configuration is loaded and warm beside the running task: a request for it
  // takes effect at the next item.
  bool holds_warm(const SwitchRequest& request) const;
  std::string standby_failure();

  static constexpr size_t kWarmPool = 3;  // tasks held besides the running one

 private:
  void join_worker();
  TaskConfig resolve(const SwitchRequest& request) const;  // request applied to base_ (mutex_ held)
  std::unique_ptr<Task> prepare(const TaskConfig& config, std::string* failure) const;
  void adopt(const TaskConfig& config, const std::string& runtime);  // base_ follows a task taken (mutex_ held)

  TaskConfig base_;
  SourceInfo source_;
  mutable std::mutex mutex_;
  std::unique_ptr<Task> ready_;
  SwitchRequest serving_;
  std::string failure_;
  std::atomic<bool> busy_{false};
  std::thread worker_;
  struct Held {
    TaskConfig config;
    std::string runtime;  // what the task runs on (config.runtime may be empty: chosen by suffix)
    std::unique_ptr<Task> task;
  };
  std::vector<Held> pool_;  // least recently used first
  TaskConfig previous_;     // what base_ was before the last task taken over: the one retired next
  std::unique_ptr<Task> take_from_pool(const TaskConfig& config);  // mutex_ held
  void add_to_pool(Held held);                                     // mutex_ held; evicts to the graveyard
  void start_standby_loop();  // mutex_ held, loop not running: reaps the last loop's thread, starts one
  void standby_loop();

  std::thread standby_worker_;
  std::vector<TaskConfig> standby_queue_;      // next first
  std::optional<TaskConfig> standby_loading_;  // what the standby worker loads now
  bool standby_claimed_ = false;               // a request came for the standby that loads: it becomes ready_
  bool standby_running_ = false;               // standby_worker_ is in its loop
  std::string standby_failure_;
  std::vector<std::unique_ptr<Task>> graveyard_;  // tasks let go on the pipeline thread: a worker frees them
};

}  // namespace smartcamrt
