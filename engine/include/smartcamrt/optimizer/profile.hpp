#pragma once
// The device profile: every candidate configuration (model variant x runtime x precision x input x
// threads) measured on this machine, with the accuracy its manifest records. The optimizer's ladder
// is built from it. Measured, never assumed: the fastest configuration differs from one CPU to the
// next (an int8 TFLite is slower than fp32 ONNX Runtime on an AVX2-only EPYC and twice as fast on an
// AVX-512 VNNI one), so a profile is keyed by a fingerprint of what decides that — CPU model, ISA
// flags, cores, library versions, the hash of every model file — and rebuilt when any of it changes.
//
// This header holds the data and the pure parts (JSON, fingerprint, staleness, ladder, table) and
// the planning (which configurations to measure); optimizer/profiler.hpp does the measuring.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "smartcamrt/core/model_info.hpp"

namespace smartcamrt {

// What decides which configuration is fastest on this machine.
struct ProfileHost {
  std::string cpu_model;
  std::string arch;
  int cores = 0;
  std::vector<std::string> isa;                 // read_isa_flags(), sorted
  std::map<std::string, std::string> versions;  // "smartcamrt", "opencv", each backend ("unavailable")
};

// One file a profile depends on: a model artifact or a sidecar (an OpenVINO IR's .bin).
struct ModelFileHash {
  std::string path;  // absolute
  std::string sha256;
};

// How the configurations were measured; a cached profile is reused only for the same settings.
struct MeasureSettings {
  std::string source;  // the video (or image folder) the frames come from
  int frames = 30;     // decoded once up front, cycled through by the timed runs
  int runs = 30;       // timed process() calls per configuration
  int warmup = 3;      // untimed process() calls before them (after the first run)
  std::vector<int> threads;
};

struct ProfiledConfiguration {
  std::string id;  // "yolov5n-320.onnx ort t2"
  std::string model;
  std::string model_sha256;
  std::string runtime;
  int threads = 0;
  std::string precision;
  std::string input;  // "320x320"
  std::string task;
  double init_ms = 0;       // create_task: file checks, session load, buffers
  double first_run_ms = 0;  // the first process() call, lazy start-up included
  double infer_p50_ms = 0, infer_p95_ms = 0;
  double e2e_p50_ms = 0, e2e_p95_ms = 0;  // the whole process() call: pre + infer + post, engine side
  double cpu_pct = 0;                     // process CPU over the timed loop, percent of one core
  double rss_mb = 0;                      // RSS growth from before load to after the warm-up
  std::optional<double> accuracy;         // none: no manifest, the accuracy is unproven
  std::optional<std::string> accuracy_metric;
  std::string warning;  // e.g. an 8-bit model validated on another ISA; the ladder leaves it out
};

struct ConfigurationFailure {
  std::string id;
  std::string error;  // one line
};
struct SkippedModel {
  std::string path;
  std::string reason;
};
// A ladder variant that the cache lacks, with the command that makes it.
struct MissingVariant {
  std::string variant;  // "yolov5n-416 onnx"
  std::string command;
};

struct DeviceProfile {
  int version = 1;
  ProfileHost host;
  std::string fingerprint;  // profile_fingerprint(host, model_files), 64 hex digits
  std::string created;      // ISO 8601, UTC
  // The 1-minute load average when measuring began: the figures stand for an idle machine only when
  // it is well below the core count.
  std::optional<double> load_average;
  MeasureSettings settings;
  std::vector<ModelFileHash> model_files;  // sorted by path
  std::vector<ProfiledConfiguration> configurations;
  std::vector<ConfigurationFailure> failed;
  std::vector<SkippedModel> skipped;
  std::vector<MissingVariant> missing;
};

std::string profile_to_json(const DeviceProfile& profile);
// Throws Error "<origin>: <what is wrong>" for text that is not a version-1 profile.
DeviceProfile profile_from_json(const std::string& text, const std::string& origin);
// Writes through a temporary file and a rename, so a reader never sees half a profile.
void save_profile(const DeviceProfile& profile, const std::string& path);
DeviceProfile load_profile(const std::string& path);

ProfileHost read_profile_host();
// SHA-256 over the host facts and every model file's hash, order-independent. Pure.
std::string profile_fingerprint(const ProfileHost& host, const std::vector<ModelFileHash>& model_files);
// Empty when `cached` stands for `wanted` (same fingerprint and settings); else one line naming the
// first difference (CPU, ISA, a version, a model file, a setting).
std::string stale_reason(const DeviceProfile& cached, const DeviceProfile& wanted);

// $SMARTCAMRT_HOME, else ~/.cache/smartcamrt.
std::string smartcamrt_home();
// <home>/profiles/profile-<first 16 hex digits of the fingerprint>.json
std::string default_profile_path(const std::string& fingerprint);

struct ProfileOptions {
  std::vector<std::string> models;    // folders (prepared models with manifests) and files; empty: <home>/models
  std::vector<std::string> runtimes;  // empty: every available runtime that can run a file
  std::string source;                 // empty: $SMARTCAMRT_ASSETS/video/vtest.avi
  int frames = 30;
  int runs = 30;
  int warmup = 3;
  std::vector<int> threads;  // empty: 1 and the core count
  std::string out;           // empty: default_profile_path()
  bool force_rebuild = false;
  std::string task = "detection";                        // the kind of model measured on the frames
  std::vector<int> ladder_sizes = {640, 512, 416, 320};  // fp32 ONNX variants listed as missing when absent
};

// One configuration to measure.
struct ProfileCandidate {
  std::string model;  // absolute
  std::string model_sha256;
  std::string runtime;
  int threads = 0;
  std::optional<AccuracyRecord> accuracy;  // none: no manifest
  std::string id() const;
};

struct ProfilePlan {
  DeviceProfile skeleton;  // host, fingerprint, settings, model files, skipped, missing; nothing measured
  std::vector<ProfileCandidate> candidates;
};
// Finds the candidates and hashes their files. A folder contributes the models whose manifest
// records a passed parity check for `task`; a file named directly may lack a manifest (unproven).
// Throws Error naming the bad option or file, or when nothing is left to measure.
ProfilePlan plan_profile(const ProfileOptions& options);

struct LadderOptions {
  int threads = 0;                    // 0: any thread count
  std::vector<std::string> runtimes;  // empty: any
  std::string metric;                 // empty: ladder_metric()
};
// The metric a ladder ranks by: figures of different metrics are not comparable, so one is chosen —
// the one most configurations carry, ground truth before agreement on a tie. Empty when none has one.
std::string ladder_metric(const DeviceProfile& profile);
// The configurations with a known accuracy in that metric (and no warning), most accurate first (ties:
// faster e2e_p95 first), without those dominated by another (no more accurate and not faster): down
// the ladder accuracy never rises and e2e_p95 strictly falls. Pure.
std::vector<ProfiledConfiguration> ladder(const DeviceProfile& profile, const LadderOptions& options = {});

// The readable table: host line, one row per configuration, failures, missing variants.
std::string format_profile_table(const DeviceProfile& profile);

}  // namespace smartcamrt
