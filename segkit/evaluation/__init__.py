"""Evaluators with detectron2's shape: reset() / process(...) / evaluate() -> {task: {metric: value}}."""
