"""Physics: the only package that imports pybullet. Scene in, Scene out."""
