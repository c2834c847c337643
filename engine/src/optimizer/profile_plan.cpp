// Planning a device profile: which model files take part, on which runtimes and thread counts, and
// which ladder variants the cache still lacks.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/sha256.hpp"
#include "smartcamrt/optimizer/profile.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

std::string lower_suffix(const fs::path& path) {
  std::string suffix = path.extension().string();
  std::transform(suffix.begin(), suffix.end(), suffix.begin(), [](unsigned char c) { return std::tolower(c); });
  return suffix;
}

bool handles(const Backend& backend, const std::string& suffix) {
  const auto suffixes = backend.file_suffixes();
  if (std::find(suffixes.begin(), suffixes.end(), suffix) != suffixes.end()) return true;
  // OpenVINO reads ONNX files through its own frontend; the registry gives them to ONNX Runtime
  // unless asked, but the profile asks, because which of the two is faster differs by CPU.
  return backend.name() == "openvino" && suffix == ".onnx";
}

bool any_backend_handles(const std::string& suffix) {
  for (const Backend* backend : BackendRegistry::instance().list()) {
    if (handles(*backend, suffix)) return true;
  }
  return false;
}

// Files that must sit beside a model file: an OpenVINO IR's weights.
std::vector<fs::path> sidecars(const fs::path& model) {
  if (lower_suffix(model) == ".xml") return {fs::path(model).replace_extension(".bin")};
  return {};
}

// The manifest facts the engine's ModelManifest does not carry: the artifact's recorded hash, its
// input size, and the checkpoint it was exported from (for the export command of a missing variant).
struct ManifestExtras {
  std::string sha256;
  int input_size = 0;  // square inputs only; 0 when unknown
  std::string weights;
};

ManifestExtras read_extras(const std::string& model_path) {
  std::ifstream in(model_path + ".json");
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  ManifestExtras extras;
  if (!doc.is_object()) return extras;
  if (doc.contains("sha256") && doc["sha256"].is_string()) extras.sha256 = doc["sha256"].get<std::string>();
  if (doc.contains("input") && doc["input"].is_object() && doc["input"].contains("shape")) {
    const auto& shape = doc["input"]["shape"];
    if (shape.is_array() && shape.size() == 4 && shape[2].is_number_integer() && shape[2] == shape[3]) {
      extras.input_size = shape[2].get<int>();
    }
  }
  if (doc.contains("source") && doc["source"].is_object() && doc["source"].contains("path") &&
      doc["source"]["path"].is_string()) {
    extras.weights = fs::path(doc["source"]["path"].get<std::string>()).filename().string();
  }
  return extras;
}

struct VariantFact {
  std::string format, precision;
  int input_size = 0;
};

class Planner {
 public:
  Planner(const ProfileOptions& options, ProfilePlan& plan) : options_(options), plan_(plan) {}

  void add_folder(const fs::path& folder) {
    folders_.push_back(folder);
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator entries(folder, ec);
    if (ec) throw Error("--models '" + folder.string() + "': cannot list it: " + ec.message());
    for (const auto& entry : entries) {
      const std::string name = entry.path().filename().string();
      // Manifests, sidecars, hidden records and half-written files are not models of their own.
      if (!entry.is_regular_file(ec) || name.empty() || name[0] == '.') continue;
      const std::string suffix = lower_suffix(entry.path());
      if (suffix == ".json" || suffix == ".bin" || !any_backend_handles(suffix)) continue;
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) add_model(file, /*named=*/false);
  }

  // `named`: given by --models directly. Such a file may lack a manifest, and what is wrong with it
  // is an error rather than a note, because the user asked for it.
  void add_model(const fs::path& given, bool named) {
    const fs::path path = fs::absolute(given).lexically_normal();
    if (!seen_.insert(path.string()).second) return;
    try {
      plan_model(path, named);
    } catch (const Error& e) {
      if (named) throw Error("--models '" + given.string() + "': " + e.what());
      plan_.skeleton.skipped.push_back({path.string(), e.what()});
    }
  }

  void finish() {
    DeviceProfile& p = plan_.skeleton;
    std::sort(p.model_files.begin(), p.model_files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    p.fingerprint = profile_fingerprint(p.host, p.model_files);
    if (!folders_.empty()) list_missing();
  }

 private:
  void plan_model(const fs::path& path, bool named) {
    const std::string model = path.string();
    const std::optional<ModelManifest> manifest = read_manifest(model);
    if (manifest) {
      if (manifest->task != options_.task) throw Error("a " + manifest->task + " model, not " + options_.task);
      if (!manifest->parity) throw Error("its manifest records no parity check");
      if (!manifest->parity->passed) throw Error("its manifest records a failed parity check");
    } else if (!named) {
      throw Error("no manifest (name the file with --models to profile it as unproven)");
    }
    std::vector<ModelFileHash> files{{model, sha256_file(model)}};
    for (const fs::path& sidecar : sidecars(path)) {
      if (!fs::is_regular_file(sidecar)) throw Error("'" + sidecar.filename().string() + "' is missing beside it");
      files.push_back({sidecar.string(), sha256_file(sidecar.string())});
    }
    // The manifest is part of what the profile stands for: the ladder ranks by the accuracy it
    // records, and a newly recorded evaluation must not be hidden behind a cached profile.
    if (manifest) files.push_back({model + ".json", sha256_file(model + ".json")});
    const ManifestExtras extras = manifest ? read_extras(model) : ManifestExtras{};
    if (!extras.sha256.empty() && extras.sha256 != files.front().sha256) {
      throw Error("the file's sha256 differs from its manifest's (replaced after export? re-export it)");
    }
    const std::vector<std::string> runtimes = runtimes_for(path);
    if (runtimes.empty()) return;  // every runtime that could run it is filtered out or noted as unavailable
    for (const std::string& runtime : runtimes) {
      for (int threads : plan_.skeleton.settings.threads) {
        ProfileCandidate candidate;
        candidate.model = model;
        candidate.model_sha256 = files.front().sha256;
        candidate.runtime = runtime;
        candidate.threads = threads;
        if (manifest) candidate.accuracy = manifest->accuracy;
        plan_.candidates.push_back(candidate);
      }
    }
    plan_.skeleton.model_files.insert(plan_.skeleton.model_files.end(), files.begin(), files.end());
    if (manifest) variants_.push_back({manifest->format, manifest->precision, extras.input_size});
    if (weights_.empty() && !extras.weights.empty()) weights_ = extras.weights;
  }

  std::vector<std::string> runtimes_for(const fs::path& path) {
    const std::string suffix = lower_suffix(path);
    std::vector<std::string> runtimes;
    bool any = false;
    for (const Backend* backend : BackendRegistry::instance().list()) {
      if (!handles(*backend, suffix)) continue;
      any = true;
      const auto& wanted = options_.runtimes;
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), backend->name()) == wanted.end()) continue;
      const Availability availability = backend->availability();
      if (availability.available) {
        runtimes.push_back(backend->name());
      } else {
        plan_.skeleton.skipped.push_back({path.string(), backend->name() + " unavailable: " + availability.reason});
      }
    }
    if (!any) throw Error("no runtime handles '" + suffix + "' files");
    return runtimes;
  }

  void list_missing() {
    const std::string weights = weights_.empty() ? "yolov5n.pt" : weights_;
    const std::string stem = fs::path(weights).stem().string();
    for (int size : options_.ladder_sizes) {
      const bool present = std::any_of(variants_.begin(), variants_.end(), [&](const VariantFact& v) {
        return v.format == "onnx" && v.precision == "fp32" && v.input_size == size;
      });
      if (present) continue;
      plan_.skeleton.missing.push_back({stem + "-" + std::to_string(size) + " onnx",
                                        "smartcamrt export --weights " + weights + " --format onnx --imgsz " +
                                            std::to_string(size) + " --out " + folders_.front().string()});
    }
  }

  const ProfileOptions& options_;
  ProfilePlan& plan_;
  std::set<std::string> seen_;
  std::vector<fs::path> folders_;
  std::vector<VariantFact> variants_;
  std::string weights_;
};

std::string resolve_source(const std::string& source) {
  if (!source.empty()) {
    std::error_code ec;
    return fs::exists(source, ec) ? fs::absolute(source).lexically_normal().string() : source;
  }
  const char* assets = std::getenv("SMARTCAMRT_ASSETS");
  if (!assets || !*assets) {
    throw Error("--source: none given and SMARTCAMRT_ASSETS is unset (source scripts/env.sh, or pass --source VIDEO)");
  }
  const fs::path video = fs::path(assets) / "video" / "vtest.avi";
  if (!fs::is_regular_file(video)) throw Error("--source: the default '" + video.string() + "' does not exist");
  return fs::absolute(video).lexically_normal().string();
}

std::vector<int> thread_counts(const ProfileOptions& options, int cores) {
  std::vector<int> threads = options.threads.empty() ? std::vector<int>{1, std::max(1, cores)} : options.threads;
  for (int count : threads) {
    if (count < 1 || count > 256) throw Error("--threads " + std::to_string(count) + ": must be 1..256");
  }
  std::sort(threads.begin(), threads.end());
  threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
  return threads;
}

void check_options(const ProfileOptions& options) {
  if (options.frames < 1) throw Error("--frames " + std::to_string(options.frames) + ": must be >= 1");
  if (options.runs < 1) throw Error("--runs " + std::to_string(options.runs) + ": must be >= 1");
  if (options.warmup < 0) throw Error("--warmup " + std::to_string(options.warmup) + ": must be >= 0");
  for (const std::string& runtime : options.runtimes) {
    if (!BackendRegistry::instance().find(runtime)) {
      std::string known;
      for (const Backend* backend : BackendRegistry::instance().list())
        known += (known.empty() ? "" : ", ") + backend->name();
      throw Error("--runtimes '" + runtime + "': unknown runtime (known: " + known + ")");
    }
  }
}

}  // namespace

std::string ProfileCandidate::id() const {
  return fs::path(model).filename().string() + " " + runtime + " t" + std::to_string(threads);
}

ProfilePlan plan_profile(const ProfileOptions& options) {
  check_options(options);
  ProfilePlan plan;
  DeviceProfile& p = plan.skeleton;
  p.host = read_profile_host();
  p.settings.source = resolve_source(options.source);
  p.settings.frames = options.frames;
  p.settings.runs = options.runs;
  p.settings.warmup = options.warmup;
  p.settings.threads = thread_counts(options, p.host.cores);

  Planner planner(options, plan);
  const std::vector<std::string> models =
      options.models.empty() ? std::vector<std::string>{(fs::path(smartcamrt_home()) / "models").string()}
                             : options.models;
  for (const std::string& entry : models) {
    std::error_code ec;
    if (fs::is_directory(entry, ec)) {
      planner.add_folder(entry);
    } else if (fs::exists(entry, ec)) {
      planner.add_model(entry, /*named=*/true);
    } else {
      throw Error("--models '" + entry + "': no such file or folder" +
                  (options.models.empty() ? " (the model cache; export a model first, or pass --models)" : ""));
    }
  }
  planner.finish();
  if (plan.candidates.empty()) {
    std::string why = "no model to profile in";
    for (const std::string& entry : models) why += " '" + entry + "'";
    if (!p.skipped.empty()) {
      why += " (" + std::to_string(p.skipped.size()) + " skipped; " +
             fs::path(p.skipped.front().path).filename().string() + ": " + p.skipped.front().reason + ")";
    }
    if (!p.missing.empty()) why += "; make one with: " + p.missing.front().command;
    throw Error(why);
  }
  return plan;
}

}  // namespace smartcamrt
