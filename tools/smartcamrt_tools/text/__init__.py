"""Text classification models (SST-2 sentiment): word and WordPiece tokenizers, a BiLSTM and a MiniLM
transformer, their training, export formats, parity gate and manifests (docs/text-models.md).

Importing this package is cheap; torch and friends load in the modules that need them.
"""
