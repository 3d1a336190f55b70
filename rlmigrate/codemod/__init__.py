"""rlmigrate.codemod."""
