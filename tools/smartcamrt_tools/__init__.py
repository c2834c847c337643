"""SmartCamRT Python tooling: model export and validation, and the Python reference loop."""

__version__ = "0.1.0"
