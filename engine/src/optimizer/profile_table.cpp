// The device profile as a readable table (what `smartcamrt profile` prints).
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "smartcamrt/optimizer/profile.hpp"

namespace smartcamrt {
namespace {

std::string format(const char* pattern, double a, double b) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, a, b);
  return text;
}

bool is_agreement(const std::string& metric) { return metric.rfind("agreement-", 0) == 0; }

// An agreement figure is the parity gate's agreement with the source model, not accuracy on ground
// truth: the table says which one each figure is.
std::string accuracy_text(const ProfiledConfiguration& c) {
  if (!c.accuracy) return "unproven";
  char value[32];
  std::snprintf(value, sizeof(value), "%.3f ", *c.accuracy);
  const std::string metric = c.accuracy_metric.value_or("?");
  return value + (is_agreement(metric) ? std::string("agreement*") : metric);
}

std::string pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

std::string format_profile_table(const DeviceProfile& p) {
  std::string out;
  std::string isa, versions;
  for (const std::string& flag : p.host.isa) isa += (isa.empty() ? "" : " ") + flag;
  for (const auto& [name, version] : p.host.versions) versions += (versions.empty() ? "" : ", ") + name + " " + version;
  out += "host         " + p.host.cpu_model + ", " + std::to_string(p.host.cores) + " cores, " + p.host.arch +
         ", ISA: " + (isa.empty() ? "-" : isa) + "\n";
  out += "versions     " + versions + "\n";
  out += "frames       " + std::to_string(p.settings.frames) + " of " + p.settings.source + "; " +
         std::to_string(p.settings.runs) + " timed runs after " + std::to_string(p.settings.warmup) +
         " warm-ups per configuration\n";
  std::string load;
  if (p.load_average) {
    char text[96];
    std::snprintf(text, sizeof(text), ", load average %.2f on %d cores%s", *p.load_average, p.host.cores,
                  *p.load_average > 0.5 * p.host.cores ? " (busy: the figures are inflated)" : "");
    load = text;
  }
  out += "measured     " + p.created + load + ", fingerprint " + p.fingerprint.substr(0, 16) + "\n\n";

  size_t id_width = std::string("configuration").size();
  for (const ProfiledConfiguration& c : p.configurations) id_width = std::max(id_width, c.id.size());
  out += pad("configuration", id_width) +
         "  input     prec   init ms  1st ms  infer p50/p95    e2e p50/p95   cpu %  rss MiB  accuracy\n";
  bool agreement = false, unproven = false;
  for (const ProfiledConfiguration& c : p.configurations) {
    agreement = agreement || (c.accuracy_metric && is_agreement(*c.accuracy_metric));
    unproven = unproven || !c.accuracy;
    char numbers[160];
    std::snprintf(numbers, sizeof(numbers), "%8.1f %7.1f %s %s %7.0f %8.1f", c.init_ms, c.first_run_ms,
                  format("%7.2f/%-7.2f", c.infer_p50_ms, c.infer_p95_ms).c_str(),
                  format("%7.2f/%-7.2f", c.e2e_p50_ms, c.e2e_p95_ms).c_str(), c.cpu_pct, c.rss_mb);
    out += pad(c.id, id_width) + "  " + pad(c.input, 9) + " " + pad(c.precision, 5) + numbers + "  " +
           accuracy_text(c) + (c.warning.empty() ? "" : " (!)") + "\n";
  }
  out +=
      "\nlatencies in ms; infer = the runtime alone, e2e = the whole task (preprocess + infer + postprocess);\n"
      "cpu % = process CPU over the timed runs (100 = one core busy); rss = memory growth from load to warm\n"
      "(the first configuration of a runtime also carries that runtime's own start-up).\n";
  if (agreement) {
    out +=
        "* agreement: the parity gate's agreement with the source model (mAP50 of its detections), not mAP on "
        "ground truth.\n";
  }
  if (unproven) out += "unproven: a file without a manifest; its accuracy is unknown, so it is on no ladder.\n";
  for (const ProfiledConfiguration& c : p.configurations) {
    if (!c.warning.empty()) out += "(!) " + c.id + ": " + c.warning + "\n";
  }

  const std::vector<ProfiledConfiguration> rungs = ladder(p);
  if (!rungs.empty()) {
    out += "\nladder (" + ladder_metric(p) + ", most accurate first; dominated configurations left out):\n";
    for (const ProfiledConfiguration& c : rungs) {
      char p95[32];
      std::snprintf(p95, sizeof(p95), "%9.2f", c.e2e_p95_ms);
      out += "  " + pad(c.id, id_width) + p95 + " ms e2e p95, " + accuracy_text(c) + "\n";
    }
  }
  if (!p.failed.empty()) {
    out += "\nfailed:\n";
    for (const ConfigurationFailure& f : p.failed) out += "  " + f.id + ": " + f.error + "\n";
  }
  if (!p.skipped.empty()) {
    out += "\nskipped:\n";
    for (const SkippedModel& s : p.skipped) {
      out += "  " + std::filesystem::path(s.path).filename().string() + ": " + s.reason + "\n";
    }
  }
  if (!p.missing.empty()) {
    out += "\nladder variants not in the cache (make them with):\n";
    for (const MissingVariant& m : p.missing) out += "  " + pad(m.variant, 18) + " " + m.command + "\n";
  }
  return out;
}

}  // namespace smartcamrt
