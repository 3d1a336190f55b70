"""rlmigrate.testing."""
