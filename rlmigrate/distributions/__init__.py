"""rlmigrate.distributions."""
