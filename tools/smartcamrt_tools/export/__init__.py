"""Model export: a table of formats, one exporter per row, and the pipeline that drives them."""

from .formats import FORMATS, ExportFormat, get_format
from .pipeline import export_model

__all__ = ["FORMATS", "ExportFormat", "export_model", "get_format"]
