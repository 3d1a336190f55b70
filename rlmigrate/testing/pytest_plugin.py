"""pytest plugin entry point for rlmigrate.testing (fixtures are registered here)."""
