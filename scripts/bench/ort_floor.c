/* The memory and time floor of ONNX Runtime for one model: the least a program can do with the C API
 * (environment, session with the engine's options, one float input tensor, RUNS runs) and nothing else.
 * scripts/bench/overhead.py builds it into a temporary folder and reads its peak RSS (wait4) and the
 * p50 it prints, to set the engine's own footprint against the runtime's.
 *
 *   ort_floor MODEL THREADS RUNS SPIN(0|1) [INTERVAL_MS [PREWARM_MS]]
 * INTERVAL_MS paces the runs (one every INTERVAL_MS, as a camera); PREWARM_MS > 0 adds an untimed run
 * that many ms before each timed one (the "wake the threads before the frame is due" experiment).
 * Prints one line: "p50_ms <value>". Exits 1 with one line on stderr when ORT reports an error. */
#include <onnxruntime_c_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const OrtApi* ort;

static void check(OrtStatus* status) {
  if (status) {
    fprintf(stderr, "ort_floor: %s\n", ort->GetErrorMessage(status));
    exit(1);
  }
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void sleep_until(double due_ms) {
  const double left = due_ms - now_ms();
  if (left <= 0) return;
  struct timespec t = {(time_t)(left / 1e3), (long)((left - 1e3 * (time_t)(left / 1e3)) * 1e6)};
  nanosleep(&t, NULL);
}

static int by_value(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    fprintf(stderr, "usage: ort_floor MODEL THREADS RUNS SPIN [INTERVAL_MS [PREWARM_MS]]\n");
    return 2;
  }
  const int threads = atoi(argv[2]), runs = atoi(argv[3]);
  const double interval_ms = argc > 5 ? atof(argv[5]) : 0, prewarm_ms = argc > 6 ? atof(argv[6]) : 0;
  if (threads < 1 || runs < 1) {
    fprintf(stderr, "ort_floor: THREADS and RUNS must be >= 1\n");
    return 2;
  }
  ort = OrtGetApiBase()->GetApi(ORT_API_VERSION);
  OrtEnv* env;
  check(ort->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "floor", &env));
  OrtSessionOptions* options;
  check(ort->CreateSessionOptions(&options));
  check(ort->SetIntraOpNumThreads(options, threads));
  check(ort->SetInterOpNumThreads(options, 1));
  check(ort->SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL));
  check(ort->AddSessionConfigEntry(options, "session.intra_op.allow_spinning", argv[4]));
  check(ort->DisableMemPattern(options)); /* as the engine's ORT backend */
  OrtSession* session;
  check(ort->CreateSession(env, argv[1], options, &session));

  OrtAllocator* allocator;
  check(ort->GetAllocatorWithDefaultOptions(&allocator));
  char *input_name, *output_name;
  check(ort->SessionGetInputName(session, 0, allocator, &input_name));
  check(ort->SessionGetOutputName(session, 0, allocator, &output_name));
  OrtTypeInfo* type_info;
  check(ort->SessionGetInputTypeInfo(session, 0, &type_info));
  const OrtTensorTypeAndShapeInfo* tensor_info;
  check(ort->CastTypeInfoToTensorInfo(type_info, &tensor_info));
  int64_t shape[8];
  size_t rank;
  check(ort->GetDimensionsCount(tensor_info, &rank));
  if (rank > 8) {
    fprintf(stderr, "ort_floor: input rank %zu\n", rank);
    return 1;
  }
  check(ort->GetDimensions(tensor_info, shape, rank));
  size_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    if (shape[i] < 1) shape[i] = 1;
    count *= (size_t)shape[i];
  }
  float* input = malloc(count * sizeof(float));
  for (size_t i = 0; i < count; ++i) input[i] = (float)(i % 255) / 255.f;
  OrtMemoryInfo* memory;
  check(ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory));
  OrtValue* tensor;
  check(ort->CreateTensorWithDataAsOrtValue(memory, input, count * sizeof(float), shape, rank,
                                            ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &tensor));

  double* times = malloc((size_t)runs * sizeof(double));
  const char* inputs[] = {input_name};
  const char* outputs[] = {output_name};
  const double start = now_ms();
  for (int i = 0; i < runs; ++i) {
    OrtValue* result = NULL;
    if (interval_ms > 0) {
      const double due = start + (i + 1) * interval_ms;
      if (prewarm_ms > 0) {
        sleep_until(due - prewarm_ms);
        check(ort->Run(session, NULL, inputs, (const OrtValue* const*)&tensor, 1, outputs, 1, &result));
        ort->ReleaseValue(result);
        result = NULL;
      }
      sleep_until(due);
    }
    const double t0 = now_ms();
    check(ort->Run(session, NULL, inputs, (const OrtValue* const*)&tensor, 1, outputs, 1, &result));
    times[i] = now_ms() - t0;
    ort->ReleaseValue(result);
  }
  qsort(times, (size_t)runs, sizeof(double), by_value);
  printf("p50_ms %.3f\n", times[runs / 2]);
  return 0;
}
