"""Asset packs: manifests, mesh loading, procedural recipes, materials."""
