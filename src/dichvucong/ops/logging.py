"""Log records never carry personal data.

Identification numbers (9 or 12 digits), tax codes, phone numbers and e-mail
addresses are masked in the message and in every string argument.
"""

import logging
import re

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    (re.compile(r"(?<!\d)(?:\+?84|0)\d{9}(?!\d)"), "[phone]"),
    (re.compile(r"(?<!\d)\d{12}(?!\d)"), "[id-number]"),
    (re.compile(r"(?<!\d)\d{10}(?:-\d{3})?(?!\d)"), "[tax-code]"),
    (re.compile(r"(?<!\d)\d{9}(?!\d)"), "[id-number]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
            else:
                record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True
