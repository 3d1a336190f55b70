"""rlmigrate.codemod.rules."""
