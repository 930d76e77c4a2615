"""qa: ask questions of your own documents, with cited answers from a local model."""

__version__ = "0.1.0"
