// Reading a stress mode's run folder back: frames.csv and summary.json of each stream, pooled into
// the mode's figures. The figures come from the files rather than from the run's memory so that a
// report says exactly what anyone can recompute from the folder.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/stats.hpp"
#include "stress_internal.hpp"

namespace fs = std::filesystem;

namespace smartcamrt::stress_detail {
namespace {

// One record of an RFC 4180 file (frames.csv quotes a field holding a comma, quote or newline);
// false at the end of the file.
bool read_record(std::istream& in, std::vector<std::string>& fields) {
  fields.assign(1, std::string());
  bool quoted = false, any = false;
  for (char c; in.get(c);) {
    any = true;
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (in.peek() == '"') {
        fields.back() += static_cast<char>(in.get());
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      return true;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return any;
}

double number_at(const std::vector<std::string>& fields, size_t column, const std::string& where) {
  try {
    size_t used = 0;
    const double value = std::stod(fields.at(column), &used);
    if (used == fields[column].size()) return value;
  } catch (const std::exception&) {
  }
  throw Error(where + ": not a number in column " + std::to_string(column + 1));
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("'" + path + "': cannot be read");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw Error("'" + path + "': not a JSON object");
  return doc;
}

std::optional<double> number_or_null(const nlohmann::json& value) {
  return value.is_number() ? std::optional<double>(value.get<double>()) : std::nullopt;
}

StreamFigures stream_figures(const nlohmann::json& summary) {
  const nlohmann::json& frames = summary.at("frames");
  const nlohmann::json& adaptation = summary.at("adaptation");
  StreamFigures s;
  s.processed = frames.at("processed").get<int64_t>();
  s.dropped = frames.at("dropped").get<int64_t>();
  s.offered = adaptation.at("offered").get<int64_t>();
  s.within_slo =
      adaptation.value("within_slo", nlohmann::json()).is_number() ? adaptation["within_slo"].get<int64_t>() : 0;
  s.switches = adaptation.at("switches").get<int>();
  s.accuracy = number_or_null(adaptation.value("effective_accuracy", nlohmann::json()));
  if (s.accuracy) s.accuracy_metric = adaptation.value("accuracy_metric", "");
  return s;
}

std::optional<double> percentile_of(std::vector<double>& sorted, double q) {
  return sorted.empty() ? std::nullopt : std::optional<double>(percentile_sorted(sorted, q));
}

}  // namespace

std::vector<FrameRow> read_frame_rows(const std::string& csv_path) {
  std::ifstream in(csv_path);
  if (!in) throw Error("'" + csv_path + "': cannot be read");
  std::vector<std::string> fields;
  if (!read_record(in, fields)) throw Error("'" + csv_path + "': empty, no header");
  const auto column = [&](const char* name) {
    const auto it = std::find(fields.begin(), fields.end(), name);
    if (it == fields.end()) throw Error("'" + csv_path + "': no column '" + name + "'");
    return static_cast<size_t>(it - fields.begin());
  };
  const size_t frame = column("frame"), ts = column("ts_ms"), e2e = column("e2e_ms"), dropped = column("dropped"),
               model = column("model"), event = column("event");
  const size_t width = fields.size();
  std::vector<FrameRow> rows;
  for (size_t line = 2; read_record(in, fields); ++line) {
    if (fields.size() == 1 && fields[0].empty()) continue;  // a trailing blank line
    const std::string where = "'" + csv_path + "' line " + std::to_string(line);
    if (fields.size() != width)
      throw Error(where + ": " + std::to_string(fields.size()) + " fields, not " + std::to_string(width));
    FrameRow row;
    row.frame = static_cast<int64_t>(number_at(fields, frame, where));
    row.ts_ms = number_at(fields, ts, where);
    row.e2e_ms = number_at(fields, e2e, where);
    row.dropped = static_cast<int64_t>(number_at(fields, dropped, where));
    row.model = fields[model];
    row.event = fields[event];
    rows.push_back(std::move(row));
  }
  return rows;
}

ModeResult collect_mode(const std::string& mode, const std::string& model, const RunReport& report,
                        const std::string& stress_dir, const LoadSchedule& schedule, double slo_ms) {
  ModeResult result;
  result.mode = mode;
  result.model = model;
  result.run_id = report.run_id;
  result.folder = fs::path(report.out_dir).lexically_relative(stress_dir).string();
  result.decisions = report.decisions.size();
  result.interrupted = report.interrupted;
  std::vector<StreamFigures> streams;
  std::vector<OfferedItem> items;
  std::vector<double> answered;
  for (const StreamReport& stream : report.streams) {
    result.stream_folders.push_back(fs::path(stream.out_dir).lexically_relative(stress_dir).string());
    const nlohmann::json summary = read_json(stream.summary_path);
    try {
      streams.push_back(stream_figures(summary));
      result.duration_s = std::max(result.duration_s, summary.at("duration_s").get<double>());
      for (const auto& used : summary.at("adaptation").at("configurations")) {
        result.configurations[used.at("configuration").get<std::string>()] += used.at("frames").get<int64_t>();
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error("'" + stream.summary_path + "': not a run summary (" + first_line(e.what()) + ")");
    }
    const std::vector<FrameRow> rows = read_frame_rows((fs::path(stream.out_dir) / "frames.csv").string());
    result.lost_to_switching += frames_lost(rows);
    for (const OfferedItem& item : offered_items(rows)) {
      items.push_back(item);
      if (item.e2e_ms >= 0) answered.push_back(item.e2e_ms);
    }
  }
  result.figures = pool_streams(streams);
  std::sort(answered.begin(), answered.end());
  result.p50_ms = percentile_of(answered, 0.50);
  result.p95_ms = percentile_of(answered, 0.95);
  result.p99_ms = percentile_of(answered, 0.99);
  for (const LoadRise& rise : load_rises(schedule)) {
    if (rise.at_s >= result.duration_s) continue;  // the run ended before this rise
    result.reactions.push_back({rise, reaction_time_s(items, rise, slo_ms)});
  }
  return result;
}

}  // namespace smartcamrt::stress_detail
