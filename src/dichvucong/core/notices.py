"""Asking for a notice to a person without depending on the notifications app (F1, A7).

Apps below ``notifications`` in the dependency order (dossiers, payments, datastore…) write
their reminder's text in the person's language and call ``request_notice``; the
notifications app (subscribed to ``NOTICE_REQUESTED``) puts it in the account inbox and
sends it by the channels the person chose, once per ``dedup_key``, after the caller's
transaction commits.
"""

from __future__ import annotations

from dichvucong.core import events

NOTICE_REQUESTED = "core.notice_requested"


def request_notice(  # noqa: ANN001 - recipient: accounts.User
    recipient, *, kind: str, dedup_key: str, subject: str, body: str, sms_text: str = "",
    dossier_id: int | None = None,
) -> None:
    events.emit(NOTICE_REQUESTED, recipient_id=recipient.pk, kind=kind, dedup_key=dedup_key, subject=subject,
                body=body, sms_text=sms_text, dossier_id=dossier_id)
