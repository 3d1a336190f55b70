"""Ray legacy checkpoints -> module checkpoints, read without executing code (``rlmigrate convert-checkpoint``)."""
