#include "smartcamrt/pipeline/summarize.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "run_report.hpp"
#include "smartcamrt/core/atomic_file.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/telemetry/run_summary.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

// RFC 4180 fields, as FramesCsvWriter quotes them. Returns false for an unterminated quote.
bool split_csv_row(const std::string& line, std::vector<std::string>& fields) {
  fields.assign(1, std::string());
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        fields.back() += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else if (ch != '\r') {
      fields.back() += ch;
    }
  }
  return !quoted;
}

double number(const std::string& text) {
  size_t used = 0;
  const double value = std::stod(text, &used);
  if (used != text.size()) throw std::invalid_argument(text);
  return value;
}

std::optional<double> optional_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return number(text);
}

// One row into a record by the header's column names; throws on a field that does not parse.
FrameRecord parse_record(const std::vector<std::string>& fields, const std::map<std::string, size_t>& column) {
  const auto at = [&](const char* name) -> const std::string& {
    const auto it = column.find(name);
    static const std::string kEmpty;
    return it == column.end() ? kEmpty : fields.at(it->second);
  };
  FrameRecord r;
  r.run_id = at("run_id");
  r.stream = static_cast<int>(number(at("stream")));
  r.frame = static_cast<int64_t>(number(at("frame")));
  r.ts_ms = number(at("ts_ms"));
  r.model = at("model");
  r.runtime = at("runtime");
  r.precision = at("precision");
  r.input = at("input");
  r.capture_ms = number(at("capture_ms"));
  r.pre_ms = number(at("pre_ms"));
  r.infer_ms = number(at("infer_ms"));
  r.post_ms = number(at("post_ms"));
  r.e2e_ms = number(at("e2e_ms"));
  r.queue_ms = number(at("queue_ms"));
  r.dropped = static_cast<int64_t>(number(at("dropped")));
  r.detections = static_cast<int>(number(at("detections")));
  r.cpu_proc_pct = optional_number(at("cpu_proc_pct"));
  r.cpu_sys_pct = optional_number(at("cpu_sys_pct"));
  r.rss_mb = optional_number(at("rss_mb"));
  r.gpu_util_pct = optional_number(at("gpu_util_pct"));
  r.gpu_mem_mb = optional_number(at("gpu_mem_mb"));
  r.event = at("event");
  return r;
}

nlohmann::json read_earlier_summary(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    nlohmann::json doc = nlohmann::json::parse(in);
    return doc.is_object() ? doc : nlohmann::json();
  } catch (const nlohmann::json::exception&) {
    return nullptr;  // written atomically, so only a foreign or hand-edited file lands here
  }
}

}  // namespace

RebuiltSummary rebuild_summary(const std::string& run_dir) {
  const fs::path dir(run_dir);
  const fs::path csv_path = dir / "frames.csv";
  if (!fs::is_directory(dir)) throw Error("'" + run_dir + "' is not a folder");
  std::ifstream csv(csv_path);
  if (!csv) {
    const bool streams = fs::exists(dir / "stream0" / "frames.csv");
    throw Error("'" + csv_path.string() + "' not found" +
                (streams ? " (a run of several streams: summarize each streamN folder)" : " (not a run folder?)"));
  }
  std::string line;
  if (!std::getline(csv, line)) throw Error("'" + csv_path.string() + "' is empty (no header)");
  std::vector<std::string> header;
  split_csv_row(line, header);
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  for (const char* needed : {"frame", "ts_ms", "e2e_ms", "model", "runtime", "dropped"}) {
    if (!column.count(needed)) throw Error("'" + csv_path.string() + "': no column '" + needed + "' in the header");
  }

  RebuiltSummary out;
  nlohmann::json doc = read_earlier_summary(dir / "summary.json");
  out.had_summary = !doc.is_null();
  if (doc.is_null()) doc = nlohmann::json::object();
  const bool was_final = doc.value("final", false);

  RunContext c;
  c.out_dir = run_dir;
  if (doc.contains("host") && doc["host"].is_object()) c.host.cores = doc["host"].value("cores", 0);
  const nlohmann::json slo = doc.contains("config") ? doc["config"].value("slo_ms", nlohmann::json()) : nullptr;
  c.slo_ms = slo.is_number() ? slo.get<double>() : 0.0;
  // Accuracy per configuration is in the models' manifests, not in frames.csv: keep what the run recorded.
  std::map<std::string, nlohmann::json> accuracy;
  if (doc.contains("adaptation") && doc["adaptation"].contains("configurations")) {
    for (const auto& use : doc["adaptation"]["configurations"]) {
      if (use.value("accuracy", nlohmann::json()).is_number()) accuracy[use.value("configuration", "")] = use;
    }
  }

  RunStatistics stats;
  FrameRecord last;
  std::string previous_configuration;
  std::vector<std::string> fields;
  while (std::getline(csv, line)) {
    if (line.empty()) continue;
    FrameRecord r;
    try {
      if (!split_csv_row(line, fields) || fields.size() != header.size()) throw std::invalid_argument("columns");
      r = parse_record(fields, column);
    } catch (const std::exception&) {
      ++out.skipped_rows;  // a row cut by the kill: the rows before it stand
      continue;
    }
    stats.add(r);
    const std::string configuration = r.runtime + "/" + r.model;
    if (!previous_configuration.empty() && configuration != previous_configuration) ++c.switches;
    previous_configuration = configuration;
    ConfigurationUse& use = c.used[configuration];
    ++use.frames;
    if (accuracy.count(configuration)) {
      use.accuracy = AccuracyRecord{};
      use.accuracy->value = accuracy[configuration]["accuracy"].get<double>();
      use.accuracy->metric = accuracy[configuration].value("metric", "");
    }
    if (c.slo_ms > 0 && r.e2e_ms <= c.slo_ms) ++c.within_slo;
    if (c.run_id.empty()) c.run_id = r.run_id;
    c.stream = r.stream;
    last = r;
    ++out.rows;
  }
  c.processed = out.rows;
  c.dropped = last.dropped;
  // Items the source delivered up to the last answered one; any read after it is not on record.
  c.captured = c.processed + c.dropped;
  c.duration_s = out.rows > 0 ? (last.ts_ms + last.e2e_ms) / 1000.0 : 0.0;

  set_frame_figures(doc, c, stats);
  doc.erase("checkpoint");  // what a long run's checkpoint left out is computed now
  if (!doc.contains("run_id") && !c.run_id.empty()) doc["run_id"] = c.run_id;
  if (!doc.contains("tool")) doc["tool"] = "smartcamrt run";
  if (!doc.contains("stream")) doc["stream"] = c.stream;
  if (!doc.contains("config") && out.rows > 0) {
    doc["config"] = {{"model", last.model}, {"runtime", last.runtime}, {"input", last.input}};
  }
  // A final summary keeps its own verdict; anything else was cut short.
  doc["interrupted"] = was_final ? doc.value("interrupted", true) : true;
  doc["final"] = false;
  doc["rebuilt"] = {{"from", "frames.csv"},
                    {"rows", out.rows},
                    {"skipped_rows", out.skipped_rows},
                    {"other_fields_from",
                     out.had_summary ? nlohmann::json(was_final ? "summary.json" : "checkpoint") : nlohmann::json()},
                    {"duration_s_is", "last row's ts_ms + e2e_ms"},
                    {"captured_is", "processed + dropped up to the last row"}};
  out.summary = std::move(doc);
  return out;
}

RebuiltSummary summarize_run(const std::string& run_dir) {
  RebuiltSummary rebuilt = rebuild_summary(run_dir);
  write_file_atomically((fs::path(run_dir) / "summary.json").string(), rebuilt.summary.dump(2) + "\n");
  return rebuilt;
}

}  // namespace smartcamrt
