"""Scenes as plain data: no pybullet or pyrender import here."""
