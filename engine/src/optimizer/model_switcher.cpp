#include "smartcamrt/optimizer/model_switcher.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

constexpr int kWarmupRuns = 2;  // first runs allocate arenas, pick kernels, spin up thread pools

// Whether a task loaded for `have` (running on `have_runtime`) serves `want`. A request naming no
// runtime takes the model on whatever runtime it runs.
bool serves(const TaskConfig& have, const std::string& have_runtime, const TaskConfig& want) {
  return have.model_path == want.model_path && have.session.threads == want.session.threads &&
         (want.runtime.empty() || want.runtime == have_runtime);
}

}  // namespace

ModelSwitcher::ModelSwitcher(TaskConfig base, SourceInfo source) : base_(std::move(base)), source_(std::move(source)) {}

ModelSwitcher::~ModelSwitcher() {
  join_worker();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    standby_queue_.clear();  // the load in progress ends; nothing after it starts
  }
  if (standby_worker_.joinable()) standby_worker_.join();
}

void ModelSwitcher::join_worker() {
  if (worker_.joinable()) worker_.join();
}

void ModelSwitcher::set_current(const std::string& model_path, const std::string& runtime, int threads) {
  std::lock_guard<std::mutex> lock(mutex_);
  base_.model_path = model_path;
  base_.runtime = runtime;
  if (threads > 0) base_.session.threads = threads;
}

TaskConfig ModelSwitcher::resolve(const SwitchRequest& request) const {
  TaskConfig config = base_;
  if (!request.model_path.empty()) {
    config.model_path = request.model_path;
    config.runtime = request.runtime;  // a new model alone: its runtime follows its suffix
  } else if (!request.runtime.empty()) {
    config.runtime = request.runtime;  // the current model on another runtime
  }
  if (request.threads > 0) config.session.threads = request.threads;
  return config;
}

void ModelSwitcher::adopt(const TaskConfig& config, const std::string& runtime) {
  previous_ = base_;  // the task now in use is retired next: its configuration goes with it
  base_.model_path = config.model_path;
  base_.runtime = runtime;
  base_.session.threads = config.session.threads;
}

std::unique_ptr<Task> ModelSwitcher::prepare(const TaskConfig& config, std::string* failure) const {
  try {
    std::unique_ptr<Task> prepared = create_task(config);
    // A detector cannot take a text stream's items, nor a text model a video's: refused here, the
    // stream stays on its model (found when a text run switched to a detector and then failed).
    const bool texts = source_.kind == SourceKind::kText;
    if (prepared->takes_images() == texts) {
      throw Error("model '" + config.model_path + "' is a " + prepared->info().task + " model and takes " +
                  (texts ? "frames but this stream reads texts" : "texts but this stream reads frames"));
    }
    prepared->warm_up(source_, kWarmupRuns);
    return prepared;
  } catch (const std::exception& e) {
    *failure = first_line(e.what());
    if (failure->empty()) *failure = "unknown failure";
    return nullptr;
  }
}

std::unique_ptr<Task> ModelSwitcher::take_from_pool(const TaskConfig& config) {
  for (auto it = pool_.begin(); it != pool_.end(); ++it) {
    if (serves(it->config, it->runtime, config)) {
      std::unique_ptr<Task> task = std::move(it->task);
      pool_.erase(it);
      return task;
    }
  }
  return nullptr;
}

void ModelSwitcher::add_to_pool(Held held) {
  pool_.push_back(std::move(held));
  while (pool_.size() > kWarmPool) {  // the least recently used goes; a worker frees it
    graveyard_.push_back(std::move(pool_.front().task));
    pool_.erase(pool_.begin());
  }
}

bool ModelSwitcher::request(const SwitchRequest& request) {
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true)) return false;
  join_worker();  // the previous worker has finished (busy_ was false): reap it
  TaskConfig config;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    serving_ = request;
    config = resolve(request);
    failure_.clear();
    // Held warm (a task replaced before, a standby): it takes over at the next item instead of after
    // a load (seconds on a busy CPU: a probe that breaks must be left at once, a step down made now).
    if (std::unique_ptr<Task> held = take_from_pool(config)) {
      ready_ = std::move(held);
      adopt(config, ready_->info().runtime);
      return true;
    }
    // Loading as a standby right now: its worker hands it over when done.
    if (standby_loading_ && serves(*standby_loading_, standby_loading_->runtime, config)) {
      standby_claimed_ = true;
      return true;
    }
    // Queued as a standby: loaded now, for the switch, instead.
    standby_queue_.erase(
        std::remove_if(standby_queue_.begin(), standby_queue_.end(),
                       [&](const TaskConfig& queued) { return serves(queued, queued.runtime, config); }),
        standby_queue_.end());
  }
  worker_ = std::thread([this, config] {
    std::vector<std::unique_ptr<Task>> freed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      freed.swap(graveyard_);
    }
    freed.clear();
    std::string failure;
    std::unique_ptr<Task> prepared = prepare(config, &failure);
    std::lock_guard<std::mutex> lock(mutex_);
    ready_ = std::move(prepared);
    failure_ = ready_ ? std::string() : failure;
    if (ready_) adopt(config, ready_->info().runtime);
  });
  return true;
}

void ModelSwitcher::prepare_standby(const SwitchRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  const TaskConfig config = resolve(request);
  const auto held = [&](const Held& h) { return serves(h.config, h.runtime, config); };
  const auto queued = [&](const TaskConfig& q) { return serves(q, q.runtime, config); };
  if (std::any_of(pool_.begin(), pool_.end(), held) ||
      (standby_loading_ && serves(*standby_loading_, standby_loading_->runtime, config)) ||
      std::any_of(standby_queue_.begin(), standby_queue_.end(), queued)) {
    return;
  }
  standby_queue_.push_back(config);
  if (!standby_running_) start_standby_loop();  // else the loop takes it after the load in progress
}

void ModelSwitcher::start_standby_loop() {
  // The last loop has ended (standby_running_ is false, set as its last step under the mutex): reap it.
  if (standby_worker_.joinable()) standby_worker_.join();
  standby_running_ = true;
  standby_worker_ = std::thread(&ModelSwitcher::standby_loop, this);
}

void ModelSwitcher::standby_loop() {
  for (;;) {
    TaskConfig config;
    std::vector<std::unique_ptr<Task>> freed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      freed.swap(graveyard_);
      if (standby_queue_.empty()) {
        standby_running_ = false;
        return;  // `freed` is destroyed here, off the pipeline thread
      }
      config = standby_queue_.front();
      standby_queue_.erase(standby_queue_.begin());
      standby_loading_ = config;
    }
    freed.clear();
    std::string failure;
    std::unique_ptr<Task> prepared = prepare(config, &failure);
    std::lock_guard<std::mutex> lock(mutex_);
    standby_loading_.reset();
    if (standby_claimed_) {  // a request is waiting for it: it is the switch
      standby_claimed_ = false;
      ready_ = std::move(prepared);
      failure_ = ready_ ? std::string() : failure;
      if (ready_) adopt(config, ready_->info().runtime);
    } else if (prepared) {
      const std::string runtime = prepared->info().runtime;
      add_to_pool({config, runtime, std::move(prepared)});
    } else {
      standby_failure_ = failure;
    }
  }
}

bool ModelSwitcher::holds_warm(const SwitchRequest& request) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const TaskConfig config = resolve(request);
  return std::any_of(pool_.begin(), pool_.end(), [&](const Held& h) { return serves(h.config, h.runtime, config); });
}

std::string ModelSwitcher::standby_failure() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(standby_failure_, std::string());
}

std::unique_ptr<Task> ModelSwitcher::take_ready(std::string* failure, SwitchRequest* taken) {
  if (!busy_.load()) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!ready_ && failure_.empty()) return nullptr;  // still preparing
  if (!ready_ && failure) *failure = failure_;
  if (taken) *taken = serving_;
  failure_.clear();
  busy_.store(false);
  return std::move(ready_);
}

void ModelSwitcher::retire(std::unique_ptr<Task> old) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string runtime = old->info().runtime;
  add_to_pool({previous_, runtime, std::move(old)});  // a request for it takes it back warm
  // A task evicted from the pool: freed by the standby thread, not here on the pipeline thread.
  if (!graveyard_.empty() && !standby_running_) start_standby_loop();
}

}  // namespace smartcamrt
