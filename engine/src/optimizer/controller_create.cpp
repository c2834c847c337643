#include <fstream>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/optimizer/controller.hpp"

namespace smartcamrt {

std::unique_ptr<AdaptiveController> AdaptiveController::Create(const AdaptConfig& adapt, const std::string& start_model,
                                                               const std::string& start_runtime, int start_threads) {
  if (adapt.profile_path.empty()) throw Error("--adapt: no --profile given");
  std::ifstream in(adapt.profile_path);
  if (!in) throw Error("--profile '" + adapt.profile_path + "': cannot be read");
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.contains("configurations")) {
    throw Error("--profile '" + adapt.profile_path + "': not a profile (no configurations)");
  }
  std::vector<LadderStep> ladder;
  for (const auto& c : doc["configurations"]) {
    if (!c["accuracy"].is_number()) continue;
    LadderStep step;
    step.rung = {c["id"].get<std::string>(), c["e2e_p50_ms"].get<double>(), c["e2e_p95_ms"].get<double>(),
                 c["accuracy"].get<double>()};
    step.model_path = c["model"].get<std::string>();
    step.runtime = c["runtime"].get<std::string>();
    step.threads = c["threads"].get<int>();
    ladder.push_back(step);
  }
  PolicyParams params;
  params.slo_ms = adapt.slo_ms;
  return std::make_unique<AdaptiveController>(std::move(ladder), params, start_model, start_runtime, start_threads);
}

}  // namespace smartcamrt
