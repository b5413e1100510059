"""tfscope: a conformance harness for TF1 variable_scope / name_scope naming claims."""

__version__ = "0.1.0"
