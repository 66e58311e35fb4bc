"""Evaluators with detectron2's shape: reset() / process(...) / evaluate() -> {task: {metric: value}}."""


def strict_json(metrics: dict) -> dict:
    """{task: {metric: value}} with NaN (a score undefined: a class in neither ground truth nor prediction)
    as None, so the result is strict JSON."""
    return {task: {k: None if isinstance(v, float) and v != v else v for k, v in values.items()}
            for task, values in metrics.items()}
