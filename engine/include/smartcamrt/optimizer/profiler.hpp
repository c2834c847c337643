#pragma once
// Measuring a device profile (optimizer/profile.hpp) on real frames through the engine's Task layer:
// the figures are what a stream's task costs on this machine, not a bare session's.
//
// Thread contract: everything here runs on the caller's thread, one configuration at a time, so
// that no two configurations compete for the cores they are timed on.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "smartcamrt/optimizer/profile.hpp"
#include "smartcamrt/sources/source.hpp"

namespace smartcamrt {

struct ProfileProgress {
  size_t index = 0;  // 1-based position of the configuration being measured
  size_t total = 0;
  std::string id;
  std::string phase;      // "load", "run", "done", "failed"
  int run = 0, runs = 0;  // timed runs done so far, during "run"
};
using ProfileProgressFn = std::function<void(const ProfileProgress&)>;

// The frames every configuration is timed on, decoded once up front so that decoding is in no figure.
struct ProfileFrames {
  SourceInfo source;
  std::vector<Frame> frames;
};
// Throws Error when the source cannot be opened or holds fewer than `count` frames.
ProfileFrames decode_profile_frames(const std::string& source, int count);

// init (create_task), the first process() call, `warmup` untimed calls, then `runs` timed calls cycling
// through the frames. Throws Error when the configuration cannot load or run.
ProfiledConfiguration measure_configuration(const ProfileCandidate& candidate, const ProfileFrames& frames,
                                            const MeasureSettings& settings, const ProfileProgressFn& progress = {});

// Measures every candidate of the plan; one that fails is listed in `failed` with its reason. Throws
// Error when none could be measured.
DeviceProfile measure_plan(const ProfilePlan& plan, const ProfileProgressFn& progress = {});
DeviceProfile build_profile(const ProfileOptions& options, const ProfileProgressFn& progress = {});

// The profile kept at options.out (default_profile_path() when empty) when it still stands for this
// host, these models and these settings; std::nullopt otherwise, with the reason in `why_not`.
std::optional<DeviceProfile> load_cached_profile(const ProfileOptions& options, std::string* why_not = nullptr);

struct ProfileOutcome {
  DeviceProfile profile;
  std::string path;     // where it is kept
  bool reused = false;  // taken from the cache: nothing was measured
  std::string note;     // one line: why it was measured, or that it was reused
};
// What `smartcamrt profile` and `run --adapt` call: the cached profile while it stands (unless
// force_rebuild), else a new one, measured and saved. `say` (optional) hears the note before any
// measuring starts, so that a caller can tell its user why it is about to take a while.
ProfileOutcome obtain_profile(const ProfileOptions& options, const ProfileProgressFn& progress = {},
                              const std::function<void(const std::string&)>& say = {});

}  // namespace smartcamrt
