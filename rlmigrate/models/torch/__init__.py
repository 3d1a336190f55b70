"""rlmigrate.models.torch."""
