"""Rendering: the only package that imports pyrender and OpenGL."""
