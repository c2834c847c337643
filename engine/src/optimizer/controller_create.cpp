// Building the controller from a device profile: the file named with --profile, else this host's
// cached profile (measured first when there is none, saying so).
#include <algorithm>
#include <cstdio>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/optimizer/controller.hpp"
#include "smartcamrt/optimizer/profile.hpp"
#include "smartcamrt/optimizer/profiler.hpp"

namespace smartcamrt {

std::unique_ptr<AdaptiveController> AdaptiveController::Create(const AdaptConfig& adapt, const std::string& start_model,
                                                               const std::string& start_runtime, int start_threads,
                                                               size_t streams) {
  DeviceProfile profile;
  std::string origin = adapt.profile_path;
  if (!adapt.profile_path.empty()) {
    profile = load_profile(adapt.profile_path);
  } else {
    const ProfileOutcome outcome = obtain_profile(
        ProfileOptions{},
        [](const ProfileProgress& p) {
          if (p.phase == "load") std::fprintf(stderr, "[profile] %zu/%zu %s\n", p.index, p.total, p.id.c_str());
        },
        [](const std::string& note) { std::fprintf(stderr, "[adapt] %s\n", note.c_str()); });
    profile = outcome.profile;
    origin = outcome.path;
  }
  // Several streams share the cores: a rung profiled with every core to itself would ask for streams x
  // threads (measured: 4 streams on two-thread rungs of 2 cores answered at p95 258 ms, 16 % dropped),
  // so the ladder takes only the configurations with the cores shared out.
  LadderOptions options;
  if (streams > 1 && profile.host.cores > 0)
    options.threads = std::max(1, profile.host.cores / static_cast<int>(streams));
  std::vector<ProfiledConfiguration> rungs = smartcamrt::ladder(profile, options);
  if (rungs.empty() && options.threads > 0) {
    std::fprintf(stderr, "[adapt] the profile has no configuration at %d thread(s) per stream: any thread count\n",
                 options.threads);
    rungs = smartcamrt::ladder(profile);
  }
  std::vector<LadderStep> steps;
  for (const ProfiledConfiguration& c : rungs) {
    LadderStep step;
    step.rung.id = c.id;
    step.rung.p50_ms = c.e2e_p50_ms;
    step.rung.p95_ms = c.e2e_p95_ms;
    step.rung.accuracy = *c.accuracy;  // ladder() keeps only configurations with an accuracy
    step.model_path = c.model;
    step.runtime = c.runtime;
    step.threads = c.threads;
    steps.push_back(step);
  }
  if (steps.empty()) {
    throw Error("--adapt: the profile '" + origin +
                "' has no configuration with a recorded accuracy to build a ladder from");
  }
  if (steps.size() == 1) {
    std::fprintf(stderr, "[adapt] the ladder has one rung (%s): nothing lighter to step down to\n",
                 steps[0].rung.id.c_str());
  }
  PolicyParams params;
  params.slo_ms = adapt.slo_ms;
  // The runtime the start model really runs on: with none named, the one its file suffix picks (a
  // 640 ONNX model on ORT is another rung than the same file on OpenVINO).
  const std::string runtime =
      start_runtime.empty() ? BackendRegistry::instance().for_model(start_model).name() : start_runtime;
  return std::make_unique<AdaptiveController>(std::move(steps), params, start_model, runtime, start_threads);
}

}  // namespace smartcamrt
