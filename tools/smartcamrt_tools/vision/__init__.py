"""Image pre- and post-processing shared by validation, tests and the reference loop (NumPy + OpenCV)."""
