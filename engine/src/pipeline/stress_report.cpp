// stress.json and stress.md: one comparison of the modes, with the host (CPU model and ISA flags)
// beside every figure, since the machines differ from one run of the project to the next.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/version.hpp"
#include "stress_internal.hpp"

namespace fs = std::filesystem;

namespace smartcamrt::stress_detail {
namespace {

double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(round3(*value)) : nlohmann::json();
}

std::string fixed(const std::optional<double>& value, int decimals, const char* none = "n/a") {
  if (!value) return none;
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, *value);
  return text;
}

std::optional<PooledFigures> figures_of(const std::vector<ModeResult>& modes, const std::string& mode) {
  for (const ModeResult& m : modes) {
    if (m.mode == mode) return m.figures;
  }
  return std::nullopt;
}

std::string sources_text(const StressConfig& config) {
  std::string text;
  for (const std::string& source : config.sources) {
    text += (text.empty() ? "" : ", ") + fs::path(source).filename().string();
  }
  return text;
}

std::string reactions_text(const ModeResult& m) {
  if (m.reactions.empty()) return "no rise";
  std::string text;
  for (const Reaction& r : m.reactions) {
    if (!text.empty()) text += "; ";
    text += format_number(r.rise.at_s) + "s: " + (r.seconds ? fixed(r.seconds, 1) + " s" : std::string("never"));
  }
  return text;
}

std::string configurations_text(const ModeResult& m) {
  std::string text;
  for (const auto& [name, frames] : m.configurations) {
    text +=
        (text.empty() ? "" : ", ") + name + (m.configurations.size() > 1 ? " (" + std::to_string(frames) + ")" : "");
  }
  return text.empty() ? "-" : text;
}

}  // namespace

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw Error("cannot write '" + path + "'");
}

nlohmann::json host_json(const HostInfo& host) {
  return {{"cpu_model", host.cpu_model}, {"cores", host.cores}, {"arch", host.arch}, {"isa", host.isa}};
}

std::string host_line(const HostInfo& host) {
  std::string isa;
  for (const std::string& flag : host.isa) isa += (isa.empty() ? "" : " ") + flag;
  return host.cpu_model + ", " + std::to_string(host.cores) + " cores, ISA " + (isa.empty() ? "(none read)" : isa);
}

nlohmann::json stress_json(const StressConfig& config, const HostInfo& host, const LoadSchedule& schedule,
                           const std::vector<ModeResult>& modes, bool interrupted) {
  nlohmann::json doc;
  doc["tool"] = "smartcamrt stress";
  doc["version"] = SMARTCAMRT_VERSION;
  doc["host"] = host_json(host);
  doc["config"] = {{"model", config.model},     {"heavy", config.heavy},     {"light", config.light},
                   {"profile", config.profile}, {"sources", config.sources}, {"streams", config.streams},
                   {"slo_ms", config.slo_ms},   {"load", config.load},       {"duration_s", config.duration_s},
                   {"threads", config.threads}, {"runtime", config.runtime}};
  auto& steps = doc["schedule"] = nlohmann::json::array();
  for (const LoadStep& step : schedule.steps()) steps.push_back({{"at_s", step.at_s}, {"busy_cores", step.busy_cores}});
  auto& list = doc["modes"] = nlohmann::json::array();
  for (const ModeResult& m : modes) {
    nlohmann::json reactions = nlohmann::json::array();
    for (const Reaction& r : m.reactions) {
      reactions.push_back(
          {{"at_s", r.rise.at_s}, {"from", r.rise.from}, {"to", r.rise.to}, {"reaction_s", optional_json(r.seconds)}});
    }
    const PooledFigures& f = m.figures;
    list.push_back(
        {{"mode", m.mode},
         {"model", m.model},
         {"run_id", m.run_id},
         {"folder", m.folder},
         {"stream_folders", m.stream_folders},
         {"duration_s", round3(m.duration_s)},
         {"processed", f.processed},
         {"dropped", f.dropped},
         {"offered", f.offered},
         {"within_slo", f.within_slo},
         {"slo_attainment", optional_json(f.attainment)},
         {"e2e_ms",
          {{"p50", optional_json(m.p50_ms)}, {"p95", optional_json(m.p95_ms)}, {"p99", optional_json(m.p99_ms)}}},
         {"effective_accuracy", optional_json(f.accuracy)},
         {"accuracy_metric", f.accuracy ? nlohmann::json(f.accuracy_metric) : nlohmann::json()},
         {"switches", f.switches},
         {"decisions", m.decisions},
         {"configurations", m.configurations},
         {"reaction", reactions},
         {"lost_to_switching", m.lost_to_switching},
         {"interrupted", m.interrupted}});
  }
  doc["verdict"] = adaptive_verdict(figures_of(modes, "static-heavy"), figures_of(modes, "static-light"),
                                    figures_of(modes, "adaptive"));
  doc["interrupted"] = interrupted;
  return doc;
}

std::string stress_markdown(const StressConfig& config, const HostInfo& host, const std::vector<ModeResult>& modes,
                            bool interrupted) {
  std::string md = "# SmartCamRT stress\n\n";
  md += "- Host: " + host_line(host) + "\n";
  md += "- Source: " + sources_text(config) + " x " + std::to_string(config.streams) +
        (config.streams == 1 ? " stream" : " streams each") + ", real time, " + format_number(config.duration_s) +
        " s per mode\n";
  md +=
      "- SLO: " + format_number(config.slo_ms) + " ms end to end; load (busy cores over time): `" + config.load + "`\n";
  md += "- Threads per session: " + (config.threads > 0 ? std::to_string(config.threads) : "runtime default") +
        (config.profile.empty() ? "" : "; profile: " + config.profile) + "\n";
  if (interrupted) md += "- **Interrupted**: the modes below are the ones that ran.\n";
  md +=
      "\n| mode | configurations (items) | SLO attainment | e2e p50 / p95 / p99 (ms) | dropped / offered | "
      "effective accuracy | switches | reaction (s after each rise) | lost to switching |\n";
  md += "|---|---|---|---|---|---|---|---|---|\n";
  for (const ModeResult& m : modes) {
    const PooledFigures& f = m.figures;
    md += "| " + m.mode + " | " + configurations_text(m) + " | " + fixed(f.attainment, 3) + " | " + fixed(m.p50_ms, 1) +
          " / " + fixed(m.p95_ms, 1) + " / " + fixed(m.p99_ms, 1) + " | " + std::to_string(f.dropped) + " / " +
          std::to_string(f.offered) + " | " + fixed(f.accuracy, 3) + (f.accuracy ? " " + f.accuracy_metric : "") +
          " | " + std::to_string(f.switches) + " | " + reactions_text(m) + " | " + std::to_string(m.lost_to_switching) +
          " |\n";
  }
  md += "\n" +
        adaptive_verdict(figures_of(modes, "static-heavy"), figures_of(modes, "static-light"),
                         figures_of(modes, "adaptive")) +
        "\n\n";
  md +=
      "SLO attainment: items answered within the SLO / items offered, every stream pooled (a dropped item is a "
      "miss). Reaction: from a rise of the load, 1-s windows are judged (met: p95 <= SLO and no drop); 0 when none "
      "broke, else the start of the first met window after a broken one, 'never' when the load changed or the run "
      "ended first. Lost to switching: frames missing from frames.csv that its `dropped` column does not count. "
      "Each mode's run folder is under its name; stress.json holds these figures.\n";
  return md;
}

}  // namespace smartcamrt::stress_detail
