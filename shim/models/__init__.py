"""shim.models."""
