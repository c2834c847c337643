// OpenVINO and ExecuTorch as modules loaded on first use (engine/src/backends/module_backend.cpp).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/backends/backend.hpp"

namespace smartcamrt {
namespace {

std::string library_folder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&BackendRegistry::instance), &info) == 0 || !info.dli_fname) return "";
  return std::filesystem::path(info.dli_fname).parent_path().string();
}

bool module_built(const std::string& name) {
  return std::filesystem::exists(library_folder() + "/libsmartcamrt_backend_" + name + ".so");
}

}  // namespace

// The point of the modules: a run on one runtime maps no other runtime's libraries (LD_DEBUG=files
// lists every object the loader opens, so the test fails as soon as one is linked or loaded again).
TEST(ModuleBackends, AnOnnxRuntimeRunLoadsNoOtherRuntime) {
  if (!BackendRegistry::instance().find("ort")->availability().available) {
    GTEST_SKIP() << "built without ONNX Runtime: no ORT run to look at";
  }
  const std::string dir = testing::make_temp_dir("module-backends");
  const std::vector<float> rows{16, 16, 8, 8, 0.9f, 0.9f};
  const std::string model = testing::save_constant_yolo_model(dir + "/tiny.onnx", 32, rows, 6);
  const testing::ProcessResult result =
      testing::run_process({"/usr/bin/env", "LD_DEBUG=files", testing::cli_path(), "bench", "--model", model, "--runs",
                            "1", "--threads", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err.substr(result.err.size() > 2000 ? result.err.size() - 2000 : 0);
  EXPECT_NE(result.err.find("libonnxruntime"), std::string::npos) << "LD_DEBUG=files listed no ONNX Runtime";
  for (const char* other : {"libopenvino", "libexecutorch", "libsmartcamrt_backend_", "tensorflowlite"}) {
    EXPECT_EQ(result.err.find(other), std::string::npos) << other << " was loaded by an ONNX Runtime run";
  }
}

// Each module that was built loads, agrees with its stand-in (else it reports itself unavailable) and
// reports its runtime's version; the registry still lists both names either way.
TEST(ModuleBackends, BuiltModulesLoadOnFirstUseAndAreAvailable) {
  for (const std::string name : {"openvino", "executorch"}) {
    const Backend* backend = BackendRegistry::instance().find(name);
    ASSERT_NE(backend, nullptr) << name << " is not registered";
    const Availability availability = backend->availability();
    if (module_built(name)) {
      EXPECT_TRUE(availability.available) << name << ": " << availability.reason;
      EXPECT_FALSE(availability.version.empty()) << name;
    } else {
      EXPECT_FALSE(availability.available) << name << " has no module beside libsmartcamrt but says available";
      EXPECT_FALSE(availability.reason.empty()) << name;
    }
  }
}

}  // namespace smartcamrt
