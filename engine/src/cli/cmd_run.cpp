#include <cstdio>

#include "cli_support.hpp"
#include "commands.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"
#include "smartcamrt/pipeline/stop_signal.hpp"

namespace smartcamrt::cli {

int run_command(int argc, char** argv) {
  CLI::App app("Real-time detection on a video, image(s), camera or stream; writes a run folder", "smartcamrt run");
  RunConfig config;
  config.task.session.threads = default_threads();
  bool no_save = false, no_telemetry = false, quiet = false;
  app.add_option("--model", config.task.model_path, "model file (.onnx, .tflite, .pte, .xml; see smartcamrt info)")
      ->required();
  app.add_option("--source", config.sources,
                 "video file, image, image folder, camera index, /dev/videoN or rtsp/http URL; repeat it for "
                 "several streams (--source A --source B)")
      ->required();
  app.add_option("--frames", config.max_frames, "read at most N frames from the source (0 = all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--out", config.out_dir, "run folder (default runs/<run id>)");
  app.add_flag("--realtime", config.realtime, "pace the source at its frame rate; drop frames when behind");
  app.add_option("--threads", config.task.session.threads, "inference threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--conf", config.task.detection.conf_threshold, "confidence threshold")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--iou", config.task.detection.iou_threshold, "NMS IoU threshold")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--max-det", config.task.detection.max_det, "most detections kept per frame")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--runtime", config.task.runtime, "backend name (default: from the model file's suffix)");
  app.add_flag("--force", config.task.force, "run a model whose manifest records a failed parity check");
  app.add_flag("--no-save", no_save, "do not write the annotated video/images");
  app.add_option("--segment-s", config.segment_s,
                 "seconds of source video per annotated segment (annotated/segment-NNNNN.mkv); a hard kill loses "
                 "at most the segment being written")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_flag("--no-telemetry", no_telemetry, "do not sample CPU/memory/GPU");
  app.add_option("--sample-ms", config.sample_interval_ms, "resource sampling interval in ms")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  app.add_flag("--quiet", quiet, "no live status line");
  app.add_option("--trace", config.trace_path, "write a Chrome trace (Perfetto, chrome://tracing) to FILE");
  app.add_option("--metrics-port", config.metrics_port, "serve Prometheus metrics on PORT (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--control", config.control_path,
                 "watch FILE for 'model=PATH runtime=NAME' (switch while running) or 'stop'");
  app.add_option("--slo-ms", config.adapt.slo_ms,
                 "end-to-end latency objective in ms: the summary reports SLO attainment against it")
      ->check(CLI::PositiveNumber);
  app.add_flag("--adapt", config.adapt.enabled,
               "adapt to load: step down the profiled ladder of configurations when the SLO is at risk, back up when "
               "the load goes (needs --slo-ms)");
  app.add_option("--profile", config.adapt.profile_path,
                 "device profile for --adapt (default: this host's cached profile, built when missing)");
  app.add_option("--load", config.load,
                 "inject CPU load over time with the engine's own generator: TIME:BUSY_CORES,... with units, e.g. "
                 "0s:0,20s:2,50s:0");
  app.add_option("--metrics-host", config.metrics_host, "address the metrics endpoint binds")->capture_default_str();
  app.add_option("--serve", config.serve,
                 "live web view on [ADDR:]PORT (127.0.0.1 unless ADDR is given; 0 = any free port): the annotated "
                 "stream (MJPEG), live figures, /stats.json, /metrics");

  return run_guarded(app, argc, argv, [&] {
    config.save_annotated = !no_save;
    config.telemetry = !no_telemetry;
    config.print_progress = !quiet;
    install_stop_handlers();
    const RunReport report = run_pipeline(config);
    std::fputs(report.summary_table.c_str(), stdout);
    std::fflush(stdout);
    return report.interrupted ? 130 : 0;
  });
}

}  // namespace smartcamrt::cli
