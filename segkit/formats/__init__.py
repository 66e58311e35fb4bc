"""File formats shared by the generator, the datasets and the evaluators: Cityscapes layout, COCO, PNG."""
