#include "smartcamrt/optimizer/model_switcher.hpp"

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
    // Back to the task replaced last: it is still loaded and warm, so it takes over at the next item
    // instead of after a load (seconds on a busy CPU: a probe that breaks must be left at once).
    if (retired_ && serves(retired_config_, retired_->info().runtime, config)) {
      ready_ = std::move(retired_);
      retired_config_ = TaskConfig{};
      adopt(config, ready_->info().runtime);
      return true;
    }
    // The standby: at once when it is ready; when it is still loading, its worker hands it over.
    if (standby_config_ &&
        serves(*standby_config_, standby_ ? standby_->info().runtime : standby_config_->runtime, config)) {
      if (standby_) {
        ready_ = std::move(standby_);
        standby_config_.reset();
        adopt(config, ready_->info().runtime);
        return true;
      }
      if (standby_loading_) {
        standby_claimed_ = true;
        return true;
      }
    }
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
    std::unique_ptr<Task> replaced_last;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_ = std::move(prepared);
      failure_ = ready_ ? std::string() : failure;
      if (ready_) adopt(config, config.runtime);
      // The task replaced last time: freed here, not on the pipeline thread (kept when the load failed).
      if (ready_) replaced_last = std::move(retired_);
    }
  });
  return true;
}

bool ModelSwitcher::prepare_standby(const SwitchRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  const TaskConfig config = resolve(request);
  if (standby_config_ &&
      serves(*standby_config_, standby_ ? standby_->info().runtime : standby_config_->runtime, config)) {
    return true;  // held or loading already
  }
  if (retired_ && serves(retired_config_, retired_->info().runtime, config)) return true;  // warm already
  if (standby_loading_) return false;
  // The worker that loaded the last standby has finished (standby_loading_ is false): reap it. It
  // released the mutex as its last step, so joining here cannot wait on us.
  if (standby_worker_.joinable()) standby_worker_.join();
  if (standby_) graveyard_.push_back(std::move(standby_));  // a standby no longer wanted
  std::vector<std::unique_ptr<Task>> freed;
  freed.swap(graveyard_);
  standby_config_ = config;
  standby_loading_ = true;
  standby_claimed_ = false;
  standby_worker_ = std::thread([this, config, freed = std::move(freed)]() mutable {
    freed.clear();
    std::string failure;
    std::unique_ptr<Task> prepared = prepare(config, &failure);
    std::lock_guard<std::mutex> done(mutex_);
    standby_loading_ = false;
    if (standby_claimed_) {  // a request is waiting for it: it is the switch
      standby_claimed_ = false;
      standby_config_.reset();
      ready_ = std::move(prepared);
      failure_ = ready_ ? std::string() : failure;
      if (ready_) adopt(config, ready_->info().runtime);
    } else if (prepared) {
      standby_ = std::move(prepared);
    } else {
      standby_config_.reset();
      standby_failure_ = failure;
    }
  });
  return true;
}

bool ModelSwitcher::holds_warm(const SwitchRequest& request) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const TaskConfig config = resolve(request);
  return (standby_ && serves(*standby_config_, standby_->info().runtime, config)) ||
         (retired_ && serves(retired_config_, retired_->info().runtime, config));
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
  // The task retired before (still here when the new one came warm, without a load) goes to the
  // graveyard: the next load frees it off the pipeline thread.
  if (retired_) graveyard_.push_back(std::move(retired_));
  retired_ = std::move(old);  // taken back by a request for it, freed by the next preparation or the destructor
  retired_config_ = previous_;
}

}  // namespace smartcamrt
