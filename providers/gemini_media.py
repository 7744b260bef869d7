"""Gemini image description and audio/video transcription through the google-genai SDK.

Takes plain values (key, base URL, bytes) and imports no Django model. Media larger than
`inline_max_bytes` goes through the Files API: upload, wait until the file is ACTIVE (with a
timeout), generate, and delete the uploaded copy afterwards, also when a step fails.
"""

import io
import logging
import time
from dataclasses import dataclass

import httpx
import httpx2
from google import genai
from google.genai import errors, types

logger = logging.getLogger(__name__)

# google-genai 3.x sends through httpx2; older releases used httpx.
TRANSPORT_ERRORS = (httpx.HTTPError, httpx2.HTTPError)

IMAGE_PROMPT = (
    "Describe this image for a search index: what it shows, every piece of readable text "
    "verbatim, and the facts a person could ask about. Answer in the language of any text in "
    "the image, otherwise in English. Plain text, no preamble."
)
MEDIA_PROMPT = (
    "Transcribe the speech in this recording verbatim, in its original language. For video, "
    "add short descriptions of on-screen text or slides in square brackets. Plain text, no "
    "preamble."
)


@dataclass(frozen=True)
class MediaResult:
    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0


class GeminiMediaError(Exception):
    """A Gemini call failed; `key_rejected` is true for 401, 403 and API_KEY_INVALID."""

    def __init__(self, message, *, status_code=None, key_rejected=False):
        super().__init__(message)
        self.status_code = status_code
        self.key_rejected = key_rejected


def _client(api_key, base_url, timeout_seconds):
    options = types.HttpOptions(timeout=int(timeout_seconds * 1000))
    if base_url:
        options.base_url = base_url
    return genai.Client(api_key=api_key, http_options=options)


def _error(error: errors.APIError) -> GeminiMediaError:
    detail = f"{error.status or ''} {error.message or ''} {error.details or ''}"
    rejected = error.code in (401, 403) or "API_KEY_INVALID" in detail
    # The message and details of a Gemini error never echo the API key, so they are kept.
    return GeminiMediaError(
        f"Gemini returned HTTP {error.code}: {error.message or error.status}",
        status_code=error.code,
        key_rejected=rejected,
    )


def _result(response, model) -> MediaResult:
    usage = response.usage_metadata
    text = (response.text or "").strip()
    if not text:
        raise GeminiMediaError("Gemini returned no text for this asset.")
    return MediaResult(
        text=text,
        model=model,
        input_tokens=(usage.prompt_token_count or 0) if usage else 0,
        output_tokens=(usage.candidates_token_count or 0) if usage else 0,
    )


def describe_image(*, api_key, base_url, model, data, mime_type, timeout_seconds=120) -> MediaResult:
    """Return Gemini's description of an image sent inline."""
    client = _client(api_key, base_url, timeout_seconds)
    try:
        response = client.models.generate_content(
            model=model,
            contents=[types.Part.from_bytes(data=data, mime_type=mime_type), IMAGE_PROMPT],
        )
        return _result(response, model)
    except errors.APIError as error:
        raise _error(error) from error
    except TRANSPORT_ERRORS as error:
        raise GeminiMediaError(f"Gemini could not be reached: {type(error).__name__}") from error
    finally:
        client.close()


def transcribe_media(
    *,
    api_key,
    base_url,
    model,
    data,
    mime_type,
    inline_max_bytes,
    file_timeout_seconds=300,
    poll_seconds=2.0,
    timeout_seconds=600,
) -> MediaResult:
    """Return Gemini's transcription of audio or video, through the Files API when large."""
    client = _client(api_key, base_url, timeout_seconds)
    uploaded = None
    try:
        if len(data) <= inline_max_bytes:
            part = types.Part.from_bytes(data=data, mime_type=mime_type)
        else:
            uploaded = client.files.upload(
                file=io.BytesIO(data), config=types.UploadFileConfig(mime_type=mime_type)
            )
            uploaded = _wait_until_active(client, uploaded, file_timeout_seconds, poll_seconds)
            part = types.Part.from_uri(file_uri=uploaded.uri, mime_type=mime_type)
        response = client.models.generate_content(model=model, contents=[part, MEDIA_PROMPT])
        return _result(response, model)
    except errors.APIError as error:
        raise _error(error) from error
    except TRANSPORT_ERRORS as error:
        raise GeminiMediaError(f"Gemini could not be reached: {type(error).__name__}") from error
    finally:
        if uploaded is not None:
            _delete_quietly(client, uploaded.name)
        client.close()


def _wait_until_active(client, uploaded, timeout_seconds, poll_seconds):
    deadline = time.monotonic() + timeout_seconds
    while uploaded.state != types.FileState.ACTIVE:
        if uploaded.state == types.FileState.FAILED:
            raise GeminiMediaError(f"Gemini could not process the uploaded file {uploaded.name}.")
        if time.monotonic() > deadline:
            raise GeminiMediaError(
                f"Gemini did not finish processing the uploaded file within {timeout_seconds} seconds."
            )
        time.sleep(poll_seconds)
        uploaded = client.files.get(name=uploaded.name)
    return uploaded


def _delete_quietly(client, name):
    try:
        client.files.delete(name=name)
    except errors.APIError as error:
        # The file expires on Google's side after 48 hours; log and carry on.
        logger.warning("Deleting uploaded Gemini file %s failed: HTTP %s", name, error.code)
