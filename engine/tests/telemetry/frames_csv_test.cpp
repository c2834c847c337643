#include "smartcamrt/telemetry/frames_csv.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
using testing::split_csv;

TEST(FramesCsv, HeaderIsTheContract) {
  EXPECT_STREQ(kFramesCsvHeader,
               "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
               "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event");
}

TEST(FramesCsv, RowHasOneFieldPerColumnAndLeavesUnknownsEmpty) {
  FrameRecord r;
  r.run_id = "run1";
  r.frame = 7;
  r.ts_ms = 700.12345;
  r.model = "m.onnx";
  r.runtime = "ort";
  r.precision = "fp32";
  r.input = "640x640";
  r.infer_ms = 51.5;
  r.e2e_ms = 60;
  r.dropped = 3;
  r.detections = 4;
  r.rss_mb = 123.4;
  const auto fields = split_csv(FramesCsvWriter::format_row(r));
  ASSERT_EQ(fields.size(), split_csv(kFramesCsvHeader).size());
  EXPECT_EQ(fields[2], "7");
  EXPECT_EQ(fields[3], "700.123");
  EXPECT_EQ(fields[10], "51.500");
  EXPECT_EQ(fields[14], "3");
  EXPECT_EQ(fields[15], "4");
  EXPECT_EQ(fields[16], "");  // cpu_proc_pct not sampled
  EXPECT_EQ(fields[18], "123.400");
  EXPECT_EQ(fields[19], "");  // no GPU
  EXPECT_EQ(fields[21], "");
}

TEST(FramesCsv, TextWithCommasOrQuotesIsQuoted) {
  FrameRecord r;
  r.model = "a,b.onnx";
  r.event = "switch \"x\"";
  const std::string row = FramesCsvWriter::format_row(r);
  EXPECT_NE(row.find("\"a,b.onnx\""), std::string::npos);
  EXPECT_NE(row.find("\"switch \"\"x\"\"\""), std::string::npos);
}

TEST(FramesCsv, EveryWrittenRowIsOnDiskBeforeTheWriterCloses) {
  const std::string path = testing::make_temp_dir("csv") + "/frames.csv";
  FramesCsvWriter writer(path);
  FrameRecord r;
  for (int i = 0; i < 3; ++i) {
    r.frame = i;
    writer.write(r);
  }
  std::ifstream in(path);  // read while the writer is still open
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], kFramesCsvHeader);
  EXPECT_EQ(split_csv(lines[3])[2], "2");
}

TEST(FramesCsv, UnwritablePathIsAnError) { EXPECT_THROW(FramesCsvWriter("/nonexistent-dir/frames.csv"), Error); }

}  // namespace smartcamrt
