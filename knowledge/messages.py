"""Reasons stored as data and translated into the reader's language when shown.

Ingestion runs in the Celery worker, whose active language is English, so a reason translated
when it is stored reaches every reader in English. A StoredMessage keeps the English msgid
(marked with gettext_noop, so makemessages extracts it) and its parameters.
`render` translates the msgid into the active language first and interpolates the parameters
after, so file names, URLs and status codes are never translated. Templates escape the result.

Each message is stored as one of these JSON objects:

- {"msgid": ..., "params": {...}}: translated with gettext. A parameter is a string, a number,
  or a nested message object, which is translated too.
- {"text": ...}: text shown as it is, for a message that cannot be rebuilt from a msgid, such
  as a reason worded by another app, and for rows written before messages were stored.
- {"quota": {"kind", "limit", "used", "requested", "reset"}}: a used-up quota, rendered by
  usage.quotas.exhausted_message, which also formats the numbers and the date for the locale.

NOTE: a row stores the msgid as it was when the row was written. After the English wording of
a msgid changes, older rows show the old English text until their document is processed again.
"""

import datetime
import logging

from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

# Translators: a warning about one asset of a document, e.g. "page 3: <why it was skipped>".
ASSET_WARNING = gettext_noop("%(asset)s: %(reason)s")


class StoredMessage:
    """A translatable message and its parameters, stored untranslated."""

    def __init__(self, msgid="", *, text=None, quota=None, **params):
        self.msgid = msgid
        self.text = text
        self.quota = quota
        self.params = params

    @classmethod
    def literal(cls, text):
        """Return a message that shows text as it is, in every language."""
        return cls(text=str(text))

    @classmethod
    def quota_exhausted(cls, error, reset):
        """Return the message of a usage.quotas.QuotaExhausted error whose period resets on reset."""
        return cls(
            quota={
                "kind": str(error.kind),
                "limit": error.limit,
                "used": error.used,
                "requested": error.requested,
                "reset": reset.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, data):
        """Return the message stored as data; anything that is not a message object becomes text."""
        if not isinstance(data, dict):
            return cls.literal("" if data is None else data)
        if "text" in data:
            return cls.literal(data["text"])
        if "quota" in data:
            return cls(quota=dict(data["quota"]))
        params = {
            name: cls.from_json(value) if isinstance(value, dict) else value
            for name, value in (data.get("params") or {}).items()
        }
        return cls(str(data.get("msgid", "")), **params)

    def to_json(self):
        if self.text is not None:
            return {"text": self.text}
        if self.quota is not None:
            return {"quota": self.quota}
        data = {"msgid": self.msgid}
        if self.params:
            data["params"] = {
                name: value.to_json() if isinstance(value, StoredMessage) else value
                for name, value in self.params.items()
            }
        return data

    def render(self):
        """Return the message translated into the active language, with its parameters filled in."""
        if self.text is not None:
            return self.text
        if self.quota is not None:
            return self._render_quota()
        if not self.msgid:
            return ""  # gettext("") returns the catalog's header
        translated = gettext(self.msgid)
        if not self.params:
            return translated
        values = {
            name: value.render() if isinstance(value, StoredMessage) else value
            for name, value in self.params.items()
        }
        try:
            return translated % values
        except (KeyError, ValueError, TypeError):
            # A translation whose placeholders do not match the msgid must not hide the reason.
            logger.warning("Translation of %r does not match its parameters %s", self.msgid, sorted(values))
            return self.msgid % values

    def _render_quota(self):
        from usage.quotas import QuotaKind, exhausted_message

        values = self.quota
        return exhausted_message(
            QuotaKind(values["kind"]),
            values["limit"],
            values["used"],
            values["requested"],
            datetime.date.fromisoformat(values["reset"]),
        )

    def __str__(self):
        return self.render()

    def __repr__(self):
        return f"StoredMessage({self.to_json()!r})"

    def __eq__(self, other):
        return isinstance(other, StoredMessage) and self.to_json() == other.to_json()


class MessageError(Exception):
    """An error whose message is a StoredMessage, so the reason can be stored untranslated.

    Raise it with a StoredMessage, or with a msgid marked by gettext_noop and its parameters
    as keyword arguments. `details` are further lines shown under the message, such as the
    warnings that led to it. str(error) renders the lines in the language active at that time.
    """

    def __init__(self, message, *, details=(), **params):
        if not isinstance(message, StoredMessage):
            message = StoredMessage(message, **params)
        super().__init__(message)
        self.message = message
        self.details = list(details)

    @property
    def lines(self):
        return [self.message, *self.details]

    def __str__(self):
        return "\n".join(line.render() for line in self.lines)


def asset_warning(asset_label, reason):
    """Return the warning line for an asset whose enrichment was skipped or failed for reason."""
    return StoredMessage(ASSET_WARNING, asset=asset_label, reason=reason)


def stored_lines(messages, *, max_length):
    """Return (text, data) to store for messages, one line each.

    text is the messages rendered in the active language, cut to max_length characters, for
    logs and for code that reads the text column. data is what pages translate from.
    """
    text = "\n".join(message.render() for message in messages)[:max_length]
    return text, [message.to_json() for message in messages]


def render_lines(data, fallback_text):
    """Return stored message data as translated lines, or the fallback text's lines translated.

    Rows written before messages were stored have only text. Each of their lines is passed
    through gettext, so a line that is a complete msgid (a reason without parameters, such as
    "The file is empty.") is still translated. A warning line "asset: reason" gets the same
    treatment for its reason. Other lines are shown as stored.
    """
    if data:
        if isinstance(data, dict):
            data = [data]
        return [StoredMessage.from_json(item).render() for item in data]
    return [_translate_legacy_line(line) for line in (fallback_text or "").splitlines()]


def _translate_legacy_line(line):
    if not line.strip():
        return line
    translated = gettext(line)
    if translated != line:
        return translated
    asset, separator, reason = line.partition(": ")
    if separator and reason.strip() and gettext(reason) != reason:
        return gettext(ASSET_WARNING) % {"asset": asset, "reason": gettext(reason)}
    return line
