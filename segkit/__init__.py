"""segkit: datasets, DeepLab and Mask R-CNN, their fusion, and Cityscapes-exact evaluation.

Importing segkit imports no torch: commands that need no model start fast.
"""
__version__ = "0.1.0"
