"""rlmigrate.models."""
