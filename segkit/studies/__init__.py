"""Studies: the paper's shape-versus-texture evidence."""
