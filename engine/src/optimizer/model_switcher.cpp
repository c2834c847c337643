#include "smartcamrt/optimizer/model_switcher.hpp"

#include <exception>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {
constexpr int kWarmupRuns = 2;  // first runs allocate arenas, pick kernels, spin up thread pools
}

ModelSwitcher::ModelSwitcher(TaskConfig base, SourceInfo source) : base_(std::move(base)), source_(std::move(source)) {}

ModelSwitcher::~ModelSwitcher() { join_worker(); }

void ModelSwitcher::join_worker() {
  if (worker_.joinable()) worker_.join();
}

void ModelSwitcher::set_current(const std::string& model_path, const std::string& runtime, int threads) {
  std::lock_guard<std::mutex> lock(mutex_);
  base_.model_path = model_path;
  base_.runtime = runtime;
  if (threads > 0) base_.session.threads = threads;
}

bool ModelSwitcher::request(const SwitchRequest& request) {
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true)) return false;
  join_worker();  // the previous worker has finished (busy_ was false): reap it
  TaskConfig config;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    config = base_;
    serving_ = request;
  }
  if (!request.model_path.empty()) {
    config.model_path = request.model_path;
    config.runtime = request.runtime;  // a new model alone: its runtime follows its suffix
  } else if (!request.runtime.empty()) {
    config.runtime = request.runtime;  // the current model on another runtime
  }
  if (request.threads > 0) config.session.threads = request.threads;
  {
    // Back to the task replaced last: it is still loaded and warm, so it takes over at the next item
    // instead of after a load (seconds on a busy CPU: a probe that breaks must be left at once).
    std::lock_guard<std::mutex> lock(mutex_);
    if (retired_ && retired_config_.model_path == config.model_path &&
        retired_config_.session.threads == config.session.threads &&
        (config.runtime.empty() || config.runtime == retired_->info().runtime)) {
      ready_ = std::move(retired_);
      failure_.clear();
      retired_config_ = TaskConfig{};
      previous_ = base_;  // the task now in use is retired next: its configuration goes with it
      base_.model_path = config.model_path;
      base_.runtime = ready_->info().runtime;
      base_.session.threads = config.session.threads;
      return true;
    }
  }
  worker_ = std::thread([this, config] {
    std::unique_ptr<Task> prepared;
    std::string failure;
    try {
      prepared = create_task(config);
      // A detector cannot take a text stream's items, nor a text model a video's: refused here, the
      // stream stays on its model (found when a text run switched to a detector and then failed).
      const bool texts = source_.kind == SourceKind::kText;
      if (prepared->takes_images() == texts) {
        throw Error("model '" + config.model_path + "' is a " + prepared->info().task + " model and takes " +
                    (texts ? "frames but this stream reads texts" : "texts but this stream reads frames"));
      }
      prepared->warm_up(source_, kWarmupRuns);
    } catch (const std::exception& e) {
      failure = first_line(e.what());
      prepared.reset();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ready_ = std::move(prepared);
    failure_ = failure;
    if (!ready_ && failure_.empty()) failure_ = "unknown failure";
    if (ready_) {
      previous_ = base_;
      base_.model_path = config.model_path;
      base_.runtime = config.runtime;
      base_.session.threads = config.session.threads;
    }
    retired_.reset();  // destroy the task replaced last time, here rather than on the pipeline thread
  });
  return true;
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
  retired_ = std::move(old);  // taken back by a request for it, freed by the next preparation or the destructor
  retired_config_ = previous_;
}

}  // namespace smartcamrt
