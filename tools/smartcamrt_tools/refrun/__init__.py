"""``smartcamrt-tools ref-run``: the plain Python reference loop (onnxruntime + OpenCV + NumPy).

It is the baseline the C++ engine is measured against, so it is written the way a Python user would
write it: one thread, no batching, no pre-allocated buffers, no tuning.
"""

from .loop import RefRunOptions, run_reference

__all__ = ["RefRunOptions", "run_reference"]
