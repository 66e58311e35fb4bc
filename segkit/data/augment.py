"""Appearance augmentations for synthetic training images (domain generalisation): they change the colour image
only, never a label or an instance map, so what a pixel is stays what it was.

- ``photometric``: brightness, contrast, saturation, hue, gamma, then blur, noise and JPEG, each drawn per image,
  the strong augmentation of the domain-generalisation literature.
- ``fourier``: PASTA (Chattopadhyay et al., ICCV 2023): the amplitude spectrum is multiplied by noise whose spread
  grows with the frequency, keeping the phase (the layout); textures and edge statistics change, shapes stay.
Each takes (sample, rng) like segkit.data.transforms' steps.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

AUGMENTS = ("photometric", "fourier")


def _hue_rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate the hue about the grey axis (YIQ chroma plane), brightness kept."""
    angle = np.deg2rad(degrees)
    to_yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], np.float32)
    rotate = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]], np.float32)
    matrix = np.linalg.inv(to_yiq) @ rotate @ to_yiq
    return image @ matrix.T.astype(np.float32)


def jitter(image: np.ndarray, rng: np.random.Generator, brightness: float, contrast: float, saturation: float) -> np.ndarray:
    """Brightness, contrast and saturation of a float image, each scaled by a factor drawn within 1 +- its amount."""
    image = image * rng.uniform(1 - brightness, 1 + brightness)
    mean = image.mean()
    image = (image - mean) * rng.uniform(1 - contrast, 1 + contrast) + mean
    grey = image.mean(axis=2, keepdims=True)
    return (image - grey) * rng.uniform(1 - saturation, 1 + saturation) + grey


@dataclass
class Photometric:
    brightness: float = 0.4
    contrast: float = 0.4
    saturation: float = 0.4
    hue: float = 18.0  # degrees
    gamma: tuple[float, float] = (0.7, 1.5)
    blur: float = 0.3  # probabilities of blur, noise and JPEG
    noise: float = 0.3
    jpeg: float = 0.3

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        image = jitter(sample["image"].astype(np.float32), rng, self.brightness, self.contrast, self.saturation)
        image = _hue_rotate(image, rng.uniform(-self.hue, self.hue))
        image = 255.0 * (np.clip(image, 0, 255) / 255.0) ** rng.uniform(*self.gamma)
        picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))
        if rng.random() < self.blur:
            picture = picture.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.3, 1.5))))
        out = np.asarray(picture).astype(np.float32)
        if rng.random() < self.noise:
            out += rng.normal(0.0, rng.uniform(2.0, 8.0), out.shape).astype(np.float32)
        out = np.clip(out, 0, 255).astype(np.uint8)
        if rng.random() < self.jpeg:
            buffer = io.BytesIO()
            Image.fromarray(out).save(buffer, format="JPEG", quality=int(rng.integers(30, 91)))
            out = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
        return {**sample, "image": np.ascontiguousarray(out)}


@dataclass
class FourierAmplitude:
    """PASTA's proportional amplitude perturbation: amplitude * (1 + N(0, sigma(f))), sigma = alpha |f|^k + beta,
    with |f| the normalised frequency radius (0 at DC, 1 at the highest)."""

    alpha: float = 3.0
    k: float = 2.0
    beta: float = 0.25

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        image = sample["image"].astype(np.float32)
        height, width = image.shape[:2]
        fy, fx = np.meshgrid(np.fft.fftfreq(height), np.fft.rfftfreq(width), indexing="ij")
        radius = np.sqrt(fy ** 2 + fx ** 2) / np.sqrt(0.5)
        sigma = self.alpha * radius ** self.k + self.beta
        spectrum = np.fft.rfft2(image, axes=(0, 1))
        factor = 1.0 + rng.normal(0.0, 1.0, sigma.shape) * sigma  # one draw for the three channels: colours stay
        factor[0, 0] = 1.0  # the mean colour is kept
        out = np.fft.irfft2(spectrum * np.maximum(factor, 0.0)[..., None], s=(height, width), axes=(0, 1))
        return {**sample, "image": np.clip(out, 0, 255).astype(np.uint8)}


def augment_step(name: str):
    return {"photometric": Photometric, "fourier": FourierAmplitude}[name]()
