"""rlmigrate.core."""
