// `smartcamrt profile` through the real binary: bad input gives one line and exit 2; a good run prints
// the table, writes the JSON and, asked again, says it reuses it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../optimizer/profile_fixtures.hpp"
#include "../support/process.hpp"

namespace smartcamrt {
namespace {

testing::ProcessResult profile(std::vector<std::string> args) {
  args.insert(args.begin(), {testing::cli_path(), "profile"});
  return testing::run_process(args);
}

TEST(ProfileCli, BadInputIsOneLineAndExitTwo) {
  const std::string dir = testing::make_temp_dir("profile-cli-bad");
  // The source is named so that no case depends on $SMARTCAMRT_ASSETS.
  for (auto [args, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--models", dir + "/absent"}, "--models '" + dir + "/absent': no such file or folder"},
           {{"--threads", "0"}, "--threads"},
           {{"--runs", "many"}, "--runs"},
           {{"--models", dir, "--runtimes", "nope"}, "--runtimes 'nope': unknown runtime"},
       }) {
    args.insert(args.end(), {"--source", dir});
    const testing::ProcessResult result = profile(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
  }
}

TEST(ProfileCli, MeasuresPrintsAndReuses) {
  const std::string models = testing::make_temp_dir("profile-cli-models");
  testing::TinyManifest manifest;
  manifest.agreement = 0.97;
  testing::save_tiny_prepared_model(models + "/tiny.onnx", 32, manifest);
  const std::string frames = testing::save_frames(testing::make_temp_dir("profile-cli-frames"), 2);
  const std::string out = testing::make_temp_dir("profile-cli-out") + "/profile.json";
  const std::vector<std::string> args{"--models", models,     "--runtimes", "ort",    "--threads", "1",     "--source",
                                      frames,     "--frames", "2",          "--runs", "3",         "--out", out};

  const testing::ProcessResult first = profile(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("[profile] 1/1 tiny.onnx ort t1"), std::string::npos) << first.err;
  EXPECT_NE(first.out.find("tiny.onnx ort t1"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("0.970 agreement*"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("profile      " + out), std::string::npos) << first.out;

  std::vector<std::string> json_args = args;
  json_args.push_back("--json-only");
  const testing::ProcessResult second = profile(json_args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("reusing the profile measured"), std::string::npos) << second.err;
  const auto doc = nlohmann::json::parse(second.out);
  ASSERT_EQ(doc["configurations"].size(), 1u);
  EXPECT_EQ(doc["configurations"][0]["id"], "tiny.onnx ort t1");
}

}  // namespace
}  // namespace smartcamrt
