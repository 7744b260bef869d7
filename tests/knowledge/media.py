"""Small media files generated in tests: PNG, WAV and a PDF whose only content is an image."""

import io
import struct
import wave

from PIL import Image


def png_bytes(color=(200, 30, 30), size=(32, 24)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def wav_bytes(seconds=1.0, rate=8000):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        frames = int(seconds * rate)
        clip.writeframes(b"".join(struct.pack("<h", (i * 300) % 20000 - 10000) for i in range(frames)))
    return buffer.getvalue()


def image_only_pdf_bytes():
    """Return a one-page PDF with an embedded image and no text layer, like a scan."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (240, 240, 240)).save(buffer, "PDF")
    return buffer.getvalue()
