"""Default RLModules: PPO (also IMPALA), APPO, BC, and a shared-encoder MultiRLModule.

Public names are reached through the flat API: ``from rlmigrate import PPOTorchRLModule``.
"""
