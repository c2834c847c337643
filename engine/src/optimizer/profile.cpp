// The device profile's data: JSON, fingerprint, staleness, cache path. (Planning: profile_plan.cpp;
// ladder: profile_ladder.cpp; table: profile_table.cpp; measuring: profiler.cpp.)
#include "smartcamrt/optimizer/profile.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/core/version.hpp>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/host.hpp"
#include "smartcamrt/core/sha256.hpp"
#include "smartcamrt/core/version.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps the fields in the order a reader expects

namespace smartcamrt {
namespace {

constexpr int kProfileVersion = 1;

Json optional_json(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }
Json optional_json(const std::optional<std::string>& value) { return value ? Json(*value) : Json(nullptr); }

// Field access that names what is wrong: "<origin>: configurations[2].e2e_p95_ms: missing or not a number".
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw Error(origin_ + ": " + where + ": " + what);
  }
  const Json& field(const Json& object, const std::string& where, const char* key) const {
    if (!object.is_object() || !object.contains(key)) fail(where + key, "missing");
    return object[key];
  }
  std::string text(const Json& object, const std::string& where, const char* key) const {
    const Json& value = field(object, where, key);
    if (!value.is_string()) fail(where + key, "not a string");
    return value.get<std::string>();
  }
  double number(const Json& object, const std::string& where, const char* key) const {
    const Json& value = field(object, where, key);
    if (!value.is_number()) fail(where + key, "not a number");
    return value.get<double>();
  }
  int integer(const Json& object, const std::string& where, const char* key) const {
    const Json& value = field(object, where, key);
    if (!value.is_number_integer()) fail(where + key, "not an integer");
    return value.get<int>();
  }
  const Json& array(const Json& object, const std::string& where, const char* key) const {
    const Json& value = field(object, where, key);
    if (!value.is_array()) fail(where + key, "not a list");
    return value;
  }
  std::optional<double> maybe_number(const Json& object, const std::string& where, const char* key) const {
    const Json& value = field(object, where, key);
    if (value.is_null()) return std::nullopt;
    if (!value.is_number()) fail(where + key, "not a number or null");
    return value.get<double>();
  }
  std::optional<std::string> maybe_text(const Json& object, const std::string& where, const char* key) const {
    const Json& value = field(object, where, key);
    if (value.is_null()) return std::nullopt;
    if (!value.is_string()) fail(where + key, "not a string or null");
    return value.get<std::string>();
  }

 private:
  std::string origin_;
};

Json configuration_json(const ProfiledConfiguration& c) {
  return Json{{"id", c.id},
              {"model", c.model},
              {"model_sha256", c.model_sha256},
              {"runtime", c.runtime},
              {"threads", c.threads},
              {"precision", c.precision},
              {"input", c.input},
              {"task", c.task},
              {"init_ms", c.init_ms},
              {"first_run_ms", c.first_run_ms},
              {"infer_p50_ms", c.infer_p50_ms},
              {"infer_p95_ms", c.infer_p95_ms},
              {"e2e_p50_ms", c.e2e_p50_ms},
              {"e2e_p95_ms", c.e2e_p95_ms},
              {"cpu_pct", c.cpu_pct},
              {"rss_mb", c.rss_mb},
              {"accuracy", optional_json(c.accuracy)},
              {"accuracy_metric", optional_json(c.accuracy_metric)},
              {"warning", c.warning.empty() ? Json(nullptr) : Json(c.warning)}};
}

ProfiledConfiguration configuration_from(const Reader& r, const Json& item, const std::string& where) {
  ProfiledConfiguration c;
  c.id = r.text(item, where, "id");
  c.model = r.text(item, where, "model");
  c.model_sha256 = r.text(item, where, "model_sha256");
  c.runtime = r.text(item, where, "runtime");
  c.threads = r.integer(item, where, "threads");
  c.precision = r.text(item, where, "precision");
  c.input = r.text(item, where, "input");
  c.task = r.text(item, where, "task");
  c.init_ms = r.number(item, where, "init_ms");
  c.first_run_ms = r.number(item, where, "first_run_ms");
  c.infer_p50_ms = r.number(item, where, "infer_p50_ms");
  c.infer_p95_ms = r.number(item, where, "infer_p95_ms");
  c.e2e_p50_ms = r.number(item, where, "e2e_p50_ms");
  c.e2e_p95_ms = r.number(item, where, "e2e_p95_ms");
  c.cpu_pct = r.number(item, where, "cpu_pct");
  c.rss_mb = r.number(item, where, "rss_mb");
  c.accuracy = r.maybe_number(item, where, "accuracy");
  c.accuracy_metric = r.maybe_text(item, where, "accuracy_metric");
  if (item.contains("warning")) c.warning = r.maybe_text(item, where, "warning").value_or("");
  return c;
}

std::string join(const std::vector<std::string>& words, const char* separator = " ") {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : separator) + word;
  return out;
}

std::string join(const std::vector<int>& numbers) {
  std::string out;
  for (int n : numbers) out += (out.empty() ? "" : ",") + std::to_string(n);
  return out;
}

}  // namespace

std::string profile_to_json(const DeviceProfile& p) {
  Json versions = Json::object();
  for (const auto& [name, version] : p.host.versions) versions[name] = version;
  Json doc{{"version", p.version},
           {"host",
            {{"cpu_model", p.host.cpu_model},
             {"arch", p.host.arch},
             {"cores", p.host.cores},
             {"isa", p.host.isa},
             {"versions", versions}}},
           {"fingerprint", p.fingerprint},
           {"created", p.created},
           {"load_average", optional_json(p.load_average)},
           {"frames", {{"source", p.settings.source}, {"count", p.settings.frames}}},
           {"measure", {{"runs", p.settings.runs}, {"warmup", p.settings.warmup}, {"threads", p.settings.threads}}}};
  Json& files = doc["model_files"] = Json::array();
  for (const ModelFileHash& file : p.model_files) files.push_back({{"path", file.path}, {"sha256", file.sha256}});
  Json& configurations = doc["configurations"] = Json::array();
  for (const ProfiledConfiguration& c : p.configurations) configurations.push_back(configuration_json(c));
  Json& failed = doc["failed"] = Json::array();
  for (const ConfigurationFailure& f : p.failed) failed.push_back({{"id", f.id}, {"error", f.error}});
  Json& skipped = doc["skipped"] = Json::array();
  for (const SkippedModel& s : p.skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
  Json& missing = doc["missing"] = Json::array();
  for (const MissingVariant& m : p.missing) missing.push_back({{"variant", m.variant}, {"command", m.command}});
  return doc.dump(2) + "\n";
}

DeviceProfile profile_from_json(const std::string& text, const std::string& origin) {
  const Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) throw Error(origin + ": not a JSON object");
  const Reader r(origin);
  DeviceProfile p;
  p.version = r.integer(doc, "", "version");
  if (p.version != kProfileVersion) {
    r.fail("version",
           std::to_string(p.version) + " (this engine reads version " + std::to_string(kProfileVersion) + ")");
  }
  const Json& host = r.field(doc, "", "host");
  p.host.cpu_model = r.text(host, "host.", "cpu_model");
  p.host.arch = r.text(host, "host.", "arch");
  p.host.cores = r.integer(host, "host.", "cores");
  for (const Json& flag : r.array(host, "host.", "isa")) {
    if (!flag.is_string()) r.fail("host.isa", "not a list of strings");
    p.host.isa.push_back(flag.get<std::string>());
  }
  const Json& versions = r.field(host, "host.", "versions");
  if (!versions.is_object()) r.fail("host.versions", "not an object");
  for (const auto& [name, version] : versions.items()) {
    if (!version.is_string()) r.fail("host.versions." + name, "not a string");
    p.host.versions[name] = version.get<std::string>();
  }
  p.fingerprint = r.text(doc, "", "fingerprint");
  p.created = r.text(doc, "", "created");
  if (doc.contains("load_average")) p.load_average = r.maybe_number(doc, "", "load_average");
  const Json& frames = r.field(doc, "", "frames");
  p.settings.source = r.text(frames, "frames.", "source");
  p.settings.frames = r.integer(frames, "frames.", "count");
  const Json& measure = r.field(doc, "", "measure");
  p.settings.runs = r.integer(measure, "measure.", "runs");
  p.settings.warmup = r.integer(measure, "measure.", "warmup");
  for (const Json& threads : r.array(measure, "measure.", "threads")) {
    if (!threads.is_number_integer()) r.fail("measure.threads", "not a list of integers");
    p.settings.threads.push_back(threads.get<int>());
  }
  const Json& files = r.array(doc, "", "model_files");
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string where = "model_files[" + std::to_string(i) + "].";
    p.model_files.push_back({r.text(files[i], where, "path"), r.text(files[i], where, "sha256")});
  }
  const Json& configurations = r.array(doc, "", "configurations");
  for (size_t i = 0; i < configurations.size(); ++i) {
    p.configurations.push_back(configuration_from(r, configurations[i], "configurations[" + std::to_string(i) + "]."));
  }
  // The lists below only explain the profile; older or hand-written files may leave them out.
  if (doc.contains("failed")) {
    const Json& failed = r.array(doc, "", "failed");
    for (size_t i = 0; i < failed.size(); ++i) {
      const std::string where = "failed[" + std::to_string(i) + "].";
      p.failed.push_back({r.text(failed[i], where, "id"), r.text(failed[i], where, "error")});
    }
  }
  if (doc.contains("skipped")) {
    const Json& skipped = r.array(doc, "", "skipped");
    for (size_t i = 0; i < skipped.size(); ++i) {
      const std::string where = "skipped[" + std::to_string(i) + "].";
      p.skipped.push_back({r.text(skipped[i], where, "path"), r.text(skipped[i], where, "reason")});
    }
  }
  if (doc.contains("missing")) {
    const Json& missing = r.array(doc, "", "missing");
    for (size_t i = 0; i < missing.size(); ++i) {
      const std::string where = "missing[" + std::to_string(i) + "].";
      p.missing.push_back({r.text(missing[i], where, "variant"), r.text(missing[i], where, "command")});
    }
  }
  return p;
}

void save_profile(const DeviceProfile& profile, const std::string& path) {
  std::error_code ec;
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error("profile '" + path + "': cannot create its folder: " + ec.message());
  const std::string temp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(temp);
    out << profile_to_json(profile);
    if (!out) throw Error("profile '" + path + "': cannot write '" + temp + "'");
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw Error("profile '" + path + "': cannot write it: " + ec.message());
  }
}

DeviceProfile load_profile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("profile '" + path + "': cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return profile_from_json(text.str(), "profile '" + path + "'");
}

ProfileHost read_profile_host() {
  const HostInfo info = read_host_info();
  ProfileHost host;
  host.cpu_model = info.cpu_model;
  host.arch = info.arch;
  host.cores = info.cores;
  host.isa = info.isa;
  // Everything whose version can change a figure: the engine, the decoder/letterbox library, each
  // runtime. An unavailable runtime counts too: becoming available adds configurations.
  host.versions["smartcamrt"] = SMARTCAMRT_VERSION;
  host.versions["opencv"] = CV_VERSION;
  for (const Backend* backend : BackendRegistry::instance().list()) {
    const Availability availability = backend->availability();
    host.versions[backend->name()] = availability.available ? availability.version : "unavailable";
  }
  return host;
}

std::string profile_fingerprint(const ProfileHost& host, const std::vector<ModelFileHash>& model_files) {
  std::vector<std::string> isa = host.isa;
  std::sort(isa.begin(), isa.end());
  std::vector<ModelFileHash> files = model_files;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  // One fact per line, so that no two different hosts can produce the same text.
  std::string text = "smartcamrt device profile v" + std::to_string(kProfileVersion) + "\n";
  text += "cpu_model=" + host.cpu_model + "\narch=" + host.arch + "\ncores=" + std::to_string(host.cores) + "\n";
  text += "isa=" + join(isa, ",") + "\n";
  for (const auto& [name, version] : host.versions) text += "version " + name + "=" + version + "\n";
  for (const ModelFileHash& file : files) text += "file " + file.sha256 + " " + file.path + "\n";
  return sha256_hex(text);
}

std::string stale_reason(const DeviceProfile& cached, const DeviceProfile& wanted) {
  if (cached.version != wanted.version) return "profile format version " + std::to_string(cached.version);
  const ProfileHost& a = cached.host;
  const ProfileHost& b = wanted.host;
  if (a.cpu_model != b.cpu_model) return "CPU changed: '" + a.cpu_model + "' -> '" + b.cpu_model + "'";
  if (a.arch != b.arch) return "architecture changed: " + a.arch + " -> " + b.arch;
  if (a.cores != b.cores) return "cores changed: " + std::to_string(a.cores) + " -> " + std::to_string(b.cores);
  if (a.isa != b.isa) return "ISA flags changed: [" + join(a.isa) + "] -> [" + join(b.isa) + "]";
  std::set<std::string> names;
  for (const auto& entry : a.versions) names.insert(entry.first);
  for (const auto& entry : b.versions) names.insert(entry.first);
  for (const std::string& name : names) {
    const auto old_it = a.versions.find(name);
    const auto new_it = b.versions.find(name);
    const std::string was = old_it == a.versions.end() ? "absent" : old_it->second;
    const std::string now = new_it == b.versions.end() ? "absent" : new_it->second;
    if (was != now) return name + " version changed: " + was + " -> " + now;
  }
  std::map<std::string, std::string> old_files, new_files;
  for (const ModelFileHash& file : cached.model_files) old_files[file.path] = file.sha256;
  for (const ModelFileHash& file : wanted.model_files) new_files[file.path] = file.sha256;
  for (const auto& [path, sha256] : new_files) {
    const auto it = old_files.find(path);
    if (it == old_files.end()) return "new model file " + path;
    if (it->second != sha256) return "model file changed: " + path;
  }
  for (const auto& entry : old_files) {
    if (!new_files.count(entry.first)) return "model file gone: " + entry.first;
  }
  const MeasureSettings& s = cached.settings;
  const MeasureSettings& t = wanted.settings;
  if (s.source != t.source) return "measured on '" + s.source + "', asked for '" + t.source + "'";
  if (s.frames != t.frames || s.runs != t.runs || s.warmup != t.warmup || s.threads != t.threads) {
    return "measured with frames=" + std::to_string(s.frames) + " runs=" + std::to_string(s.runs) +
           " warmup=" + std::to_string(s.warmup) + " threads=" + join(s.threads) +
           ", asked for frames=" + std::to_string(t.frames) + " runs=" + std::to_string(t.runs) +
           " warmup=" + std::to_string(t.warmup) + " threads=" + join(t.threads);
  }
  // Everything it is made of agrees; a different fingerprint means the file was edited by hand.
  if (cached.fingerprint != wanted.fingerprint) return "fingerprint differs (the file was edited?)";
  return {};
}

std::string smartcamrt_home() {
  const char* home = std::getenv("SMARTCAMRT_HOME");
  if (home && *home) return home;
  const char* user_home = std::getenv("HOME");
  if (!user_home || !*user_home) throw Error("SMARTCAMRT_HOME and HOME are both unset: set SMARTCAMRT_HOME");
  return std::string(user_home) + "/.cache/smartcamrt";
}

std::string default_profile_path(const std::string& fingerprint) {
  // 16 hex digits (64 bits) tell a machine's few profiles apart; the whole fingerprint is inside.
  return (fs::path(smartcamrt_home()) / "profiles" / ("profile-" + fingerprint.substr(0, 16) + ".json")).string();
}

}  // namespace smartcamrt
