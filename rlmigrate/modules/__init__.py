"""rlmigrate.modules."""
