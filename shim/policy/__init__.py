"""shim.policy."""
