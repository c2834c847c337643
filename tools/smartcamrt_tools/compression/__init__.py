"""Pruning (unstructured and channel-removing) and distillation of YOLOv5, with a CPU fine-tuning loop.

``smartcamrt compress prune|distill`` (:mod:`.pipeline`); the pieces: :mod:`.loss` (YOLOv5's training
loss), :mod:`.data` (coco128's train split, letterboxed), :mod:`.train` (the loop), :mod:`.prune`,
:mod:`.distill`, :mod:`.store` (safetensors save/load of a pruned model), :mod:`.export`. See
docs/compression.md.
"""
