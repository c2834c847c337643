// The device profile's data and pure parts: JSON, fingerprint, staleness, cache path, ladder.
#include "smartcamrt/optimizer/profile.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/error.hpp"

#include "../support/tiny_onnx.hpp"

namespace smartcamrt {
namespace {

ProfiledConfiguration config(const std::string& id, std::optional<double> accuracy, double e2e_p95,
                             const std::string& metric = "mAP50-95") {
  ProfiledConfiguration c;
  c.id = id;
  c.model = "/models/" + id;
  c.model_sha256 = std::string(64, 'a');
  c.runtime = "ort";
  c.threads = 2;
  c.precision = "fp32";
  c.input = "320x320";
  c.task = "detection";
  c.init_ms = 120.5;
  c.first_run_ms = 80.25;
  c.infer_p50_ms = e2e_p95 / 2;
  c.infer_p95_ms = e2e_p95 * 0.75;
  c.e2e_p50_ms = e2e_p95 * 0.8;
  c.e2e_p95_ms = e2e_p95;
  c.cpu_pct = 180;
  c.rss_mb = 42.5;
  c.accuracy = accuracy;
  if (accuracy) c.accuracy_metric = metric;
  return c;
}

DeviceProfile sample_profile() {
  DeviceProfile p;
  p.host.cpu_model = "AMD EPYC 7B13";
  p.host.arch = "x86_64";
  p.host.cores = 2;
  p.host.isa = {"avx2", "fma"};
  p.host.versions = {{"smartcamrt", "0.1.0"}, {"ort", "1.30.0"}, {"litert", "unavailable"}};
  p.model_files = {{"/models/a.onnx", std::string(64, 'a')}, {"/models/b.xml", std::string(64, 'b')}};
  p.fingerprint = profile_fingerprint(p.host, p.model_files);
  p.created = "2026-01-02T03:04:05Z";
  p.load_average = 1.25;
  p.settings = {"/assets/video/vtest.avi", 30, 30, 3, {1, 2}};
  p.configurations = {config("a.onnx ort t2", 0.28, 60), config("c.tflite litert t1", std::nullopt, 40)};
  p.configurations[0].warning = "an int8 model validated elsewhere";
  p.failed = {{"b.xml openvino t1", "model 'b.xml': OpenVINO cannot load it"}};
  p.skipped = {{"/models/d.onnx", "no manifest"}};
  p.missing = {{"yolov5n-416 onnx", "smartcamrt export --weights yolov5n.pt --format onnx --imgsz 416 --out /m"}};
  return p;
}

std::vector<std::string> ids(const std::vector<ProfiledConfiguration>& configurations) {
  std::vector<std::string> out;
  for (const auto& c : configurations) out.push_back(c.id);
  return out;
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(DeviceProfile, JsonRoundTripKeepsEveryField) {
  const DeviceProfile p = sample_profile();
  const std::string text = profile_to_json(p);
  const DeviceProfile back = profile_from_json(text, "test");
  EXPECT_EQ(profile_to_json(back), text);
  EXPECT_EQ(back.host.versions.at("litert"), "unavailable");
  EXPECT_EQ(back.settings.threads, (std::vector<int>{1, 2}));
  ASSERT_EQ(back.configurations.size(), 2u);
  EXPECT_DOUBLE_EQ(back.configurations[0].e2e_p95_ms, 60);
  EXPECT_EQ(back.configurations[0].warning, "an int8 model validated elsewhere");
  EXPECT_FALSE(back.configurations[1].accuracy.has_value());
  EXPECT_FALSE(back.configurations[1].accuracy_metric.has_value());
  EXPECT_EQ(back.failed.at(0).error, "model 'b.xml': OpenVINO cannot load it");
  EXPECT_EQ(back.missing.at(0).variant, "yolov5n-416 onnx");
  EXPECT_EQ(back.load_average, 1.25);

  // The file's shape, as other tools read it: unproven accuracy is null, not 0.
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["frames"]["count"], 30);
  EXPECT_TRUE(doc["configurations"][1]["accuracy"].is_null());
  EXPECT_EQ(doc["configurations"][0]["accuracy_metric"], "mAP50-95");
  EXPECT_EQ(doc["host"]["isa"], nlohmann::json({"avx2", "fma"}));
}

TEST(DeviceProfile, ReadingNamesWhatIsWrong) {
  auto doc = nlohmann::json::parse(profile_to_json(sample_profile()));
  doc["configurations"][1].erase("e2e_p95_ms");
  EXPECT_EQ(error_of([&] { profile_from_json(doc.dump(), "profile 'p.json'"); }),
            "profile 'p.json': configurations[1].e2e_p95_ms: missing");
  doc = nlohmann::json::parse(profile_to_json(sample_profile()));
  doc["version"] = 2;
  EXPECT_EQ(error_of([&] { profile_from_json(doc.dump(), "p"); }), "p: version: 2 (this engine reads version 1)");
  doc["version"] = 1;
  doc["host"]["cores"] = "two";
  EXPECT_EQ(error_of([&] { profile_from_json(doc.dump(), "p"); }), "p: host.cores: not an integer");
  EXPECT_EQ(error_of([] { profile_from_json("{truncated", "p"); }), "p: not a JSON object");
  EXPECT_EQ(error_of([] { load_profile("/nonexistent/profile.json"); }),
            "profile '/nonexistent/profile.json': cannot be read");
}

TEST(DeviceProfile, SavedFileLoadsBack) {
  const std::string path = testing::make_temp_dir("profile-save") + "/deep/er/profile.json";
  save_profile(sample_profile(), path);
  EXPECT_EQ(profile_to_json(load_profile(path)), profile_to_json(sample_profile()));
}

TEST(DeviceProfile, FingerprintFollowsModelsVersionsAndIsa) {
  const DeviceProfile p = sample_profile();
  const std::string base = profile_fingerprint(p.host, p.model_files);
  EXPECT_EQ(base.size(), 64u);

  std::vector<ModelFileHash> changed_model = p.model_files;
  changed_model[1].sha256 = std::string(64, 'c');
  EXPECT_NE(profile_fingerprint(p.host, changed_model), base);
  std::vector<ModelFileHash> one_fewer(p.model_files.begin(), p.model_files.begin() + 1);
  EXPECT_NE(profile_fingerprint(p.host, one_fewer), base);

  ProfileHost newer_runtime = p.host;
  newer_runtime.versions["ort"] = "1.31.0";
  EXPECT_NE(profile_fingerprint(newer_runtime, p.model_files), base);
  ProfileHost runtime_appears = p.host;
  runtime_appears.versions["litert"] = "2.23.0";
  EXPECT_NE(profile_fingerprint(runtime_appears, p.model_files), base);

  ProfileHost vnni = p.host;
  vnni.isa = {"avx2", "avx512_vnni", "avx512f", "fma"};
  EXPECT_NE(profile_fingerprint(vnni, p.model_files), base);
  ProfileHost more_cores = p.host;
  more_cores.cores = 4;
  EXPECT_NE(profile_fingerprint(more_cores, p.model_files), base);

  // The same facts in another order are the same machine.
  std::vector<ModelFileHash> reversed(p.model_files.rbegin(), p.model_files.rend());
  ProfileHost isa_reversed = p.host;
  isa_reversed.isa = {"fma", "avx2"};
  EXPECT_EQ(profile_fingerprint(isa_reversed, reversed), base);
}

TEST(DeviceProfile, StaleReasonNamesTheFirstDifference) {
  const DeviceProfile cached = sample_profile();
  EXPECT_EQ(stale_reason(cached, cached), "");

  DeviceProfile wanted = cached;
  wanted.host.cpu_model = "Intel Xeon";
  EXPECT_EQ(stale_reason(cached, wanted), "CPU changed: 'AMD EPYC 7B13' -> 'Intel Xeon'");
  wanted = cached;
  wanted.host.isa = {"avx2", "avx512_vnni", "fma"};
  EXPECT_EQ(stale_reason(cached, wanted), "ISA flags changed: [avx2 fma] -> [avx2 avx512_vnni fma]");
  wanted = cached;
  wanted.host.versions["ort"] = "1.31.0";
  EXPECT_EQ(stale_reason(cached, wanted), "ort version changed: 1.30.0 -> 1.31.0");
  wanted = cached;
  wanted.model_files[0].sha256 = std::string(64, 'f');
  EXPECT_EQ(stale_reason(cached, wanted), "model file changed: /models/a.onnx");
  wanted = cached;
  wanted.model_files.push_back({"/models/z.onnx", std::string(64, 'z')});
  EXPECT_EQ(stale_reason(cached, wanted), "new model file /models/z.onnx");
  wanted = cached;
  wanted.model_files.pop_back();
  EXPECT_EQ(stale_reason(cached, wanted), "model file gone: /models/b.xml");
  wanted = cached;
  wanted.settings.threads = {1};
  EXPECT_EQ(stale_reason(cached, wanted),
            "measured with frames=30 runs=30 warmup=3 threads=1,2, asked for frames=30 runs=30 warmup=3 threads=1");
  wanted = cached;
  wanted.fingerprint = std::string(64, '0');
  EXPECT_EQ(stale_reason(cached, wanted), "fingerprint differs (the file was edited?)");
}

TEST(DeviceProfile, DefaultPathIsInTheModelCache) {
  const char* old = std::getenv("SMARTCAMRT_HOME");
  const std::string saved = old ? old : "";
  setenv("SMARTCAMRT_HOME", "/tmp/scrt-home", 1);
  EXPECT_EQ(default_profile_path("0123456789abcdef0123"), "/tmp/scrt-home/profiles/profile-0123456789abcdef.json");
  if (old) {
    setenv("SMARTCAMRT_HOME", saved.c_str(), 1);
  } else {
    unsetenv("SMARTCAMRT_HOME");
  }
}

TEST(DeviceProfile, TableMarksAgreementUnprovenAndABusyMachine) {
  DeviceProfile p = sample_profile();
  p.configurations.push_back(config("g.onnx ort t1", 0.97, 30, "agreement-mAP50"));
  const std::string table = format_profile_table(p);
  EXPECT_NE(table.find("load average 1.25 on 2 cores (busy: the figures are inflated)"), std::string::npos) << table;
  EXPECT_NE(table.find("0.280 mAP50-95 (!)"), std::string::npos) << table;
  EXPECT_NE(table.find("unproven"), std::string::npos) << table;
  EXPECT_NE(table.find("0.970 agreement*"), std::string::npos) << table;
  EXPECT_NE(table.find("* agreement: the parity gate's agreement"), std::string::npos) << table;
  EXPECT_NE(table.find("b.xml openvino t1: model 'b.xml': OpenVINO cannot load it"), std::string::npos) << table;
  EXPECT_NE(table.find("smartcamrt export --weights yolov5n.pt --format onnx --imgsz 416"), std::string::npos);
  p.load_average = 0.2;
  EXPECT_EQ(format_profile_table(p).find("(busy:"), std::string::npos);
}

TEST(Ladder, MostAccurateFirstWithoutDominatedConfigurations) {
  DeviceProfile p;
  p.configurations = {
      config("a-slow", 0.90, 100),  // dominated by b: as accurate, slower
      config("c", 0.80, 90),        // dominated by b: less accurate, slower
      config("d", 0.70, 40),        //
      config("unproven", std::nullopt, 10),
      config("f", 0.95, 200),     //
      config("b", 0.90, 80),      //
      config("e", 0.70, 40),      // the same as d: one of the two is enough
      config("warned", 0.99, 5),  // an 8-bit model validated on another ISA
  };
  p.configurations[7].warning = "validated on another ISA";
  const auto rungs = ladder(p);
  EXPECT_EQ(ids(rungs), (std::vector<std::string>{"f", "b", "d"}));
  for (size_t i = 1; i < rungs.size(); ++i) {
    EXPECT_LE(*rungs[i].accuracy, *rungs[i - 1].accuracy);
    EXPECT_LT(rungs[i].e2e_p95_ms, rungs[i - 1].e2e_p95_ms);
  }
  // The order of the profile does not matter.
  std::reverse(p.configurations.begin(), p.configurations.end());
  EXPECT_EQ(ids(ladder(p)), (std::vector<std::string>{"f", "b", "d"}));
}

TEST(Ladder, NeverMixesMetrics) {
  DeviceProfile p;
  p.configurations = {config("gt-640", 0.28, 100, "mAP50-95"), config("agree-640", 1.0, 100, "agreement-mAP50"),
                      config("agree-320", 0.99, 30, "agreement-mAP50")};
  // Two agreement figures against one ground-truth figure: the ladder ranks by agreement.
  EXPECT_EQ(ladder_metric(p), "agreement-mAP50");
  EXPECT_EQ(ids(ladder(p)), (std::vector<std::string>{"agree-640", "agree-320"}));
  // A tie in count goes to ground truth.
  p.configurations.push_back(config("gt-320", 0.20, 30, "mAP50-95"));
  EXPECT_EQ(ladder_metric(p), "mAP50-95");
  EXPECT_EQ(ids(ladder(p)), (std::vector<std::string>{"gt-640", "gt-320"}));
  LadderOptions agreement;
  agreement.metric = "agreement-mAP50";
  EXPECT_EQ(ids(ladder(p, agreement)), (std::vector<std::string>{"agree-640", "agree-320"}));
  EXPECT_TRUE(ladder(DeviceProfile{}).empty());
}

TEST(Ladder, FiltersByThreadsAndRuntime) {
  DeviceProfile p;
  p.configurations = {config("ort-t1", 0.28, 100), config("ort-t2", 0.28, 60), config("ov-t2", 0.28, 50)};
  p.configurations[0].threads = 1;
  p.configurations[2].runtime = "openvino";
  EXPECT_EQ(ids(ladder(p)), (std::vector<std::string>{"ov-t2"}));
  LadderOptions ort;
  ort.runtimes = {"ort"};
  EXPECT_EQ(ids(ladder(p, ort)), (std::vector<std::string>{"ort-t2"}));
  ort.threads = 1;
  EXPECT_EQ(ids(ladder(p, ort)), (std::vector<std::string>{"ort-t1"}));
}

}  // namespace smartcamrt
