"""The numbers of segkit.predict.segment: scale, flip and sliding windows on models whose answer is known."""
import torch

from segkit.predict import segment, sliding_window


class PerPixel(torch.nn.Module):
    """Logits from each pixel alone (a 1x1 convolution): windows and mirroring cannot change its answer."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 5, 1)

    def forward(self, x):
        return self.conv(x)


class Column(torch.nn.Module):
    """Two classes, the first's logit is the column index within what the model sees: it sees windows."""

    def forward(self, x):
        columns = torch.arange(x.shape[-1], dtype=torch.float32).expand(x.shape[0], 1, x.shape[-2], x.shape[-1])
        return torch.cat([columns, torch.zeros_like(columns)], dim=1)


def test_windows_and_flips_do_not_change_a_per_pixel_model():
    batch = torch.randn(2, 3, 20, 33)
    model = PerPixel().eval()
    with torch.no_grad():
        plain = segment(model, batch)
        torch.testing.assert_close(plain, model(batch).softmax(1))
        torch.testing.assert_close(segment(model, batch, flip=True), plain)
        torch.testing.assert_close(segment(model, batch, window=(8, 12)), plain)
        torch.testing.assert_close(segment(model, batch, flip=True, window=(8, 12)), plain)


def test_sliding_windows_overlap_by_a_third_and_average():
    model = Column()
    with torch.no_grad():
        probabilities = sliding_window(model, torch.zeros(1, 3, 4, 9), (4, 6))
    # Windows of 6 columns at lefts 0 and 3 (stride 4 would miss the last column, so the last window is
    # pinned at 9 - 6 = 3): column 4 is column 4 of the first window and column 1 of the second.
    first = torch.sigmoid(torch.tensor(4.0))
    second = torch.sigmoid(torch.tensor(1.0))
    torch.testing.assert_close(probabilities[0, 0, 0, 4], (first + second) / 2)
    torch.testing.assert_close(probabilities[0, 0, 0, 0], torch.sigmoid(torch.tensor(0.0)))
    torch.testing.assert_close(probabilities[0, 0, 0, 8], torch.sigmoid(torch.tensor(5.0)))
    torch.testing.assert_close(probabilities.sum(1), torch.ones(1, 4, 9))


def test_flip_averages_the_mirrored_answer_and_scale_resizes_back():
    model = Column()
    batch = torch.zeros(1, 3, 2, 5)
    with torch.no_grad():
        flipped = segment(model, batch, flip=True)
        half = segment(model, torch.zeros(1, 3, 8, 8), scale=0.5)
    expected = (torch.sigmoid(torch.arange(5.0)) + torch.sigmoid(torch.arange(5.0).flip(0))) / 2
    torch.testing.assert_close(flipped[0, 0, 0], expected)
    assert half.shape == (1, 2, 8, 8)
    assert half[0, 0, 0, 0] < half[0, 0, 0, 7]  # the 4-column answer, stretched back over 8 columns
