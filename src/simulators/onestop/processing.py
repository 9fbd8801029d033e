"""What the one-stop system does with a dossier: the steps, the officials who take them, the
signed PDF result, and the messages each change queues (in the same transaction).

received → processing ("Thẩm định hồ sơ") → result issued (a PAdES-signed PDF sent as
``result_delivery``); an official may also ask for a supplement or refuse. The agency's
signing credential comes once from the CA simulator; while it cannot be had the dossier waits
at processing and the next advance tries again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx

from . import protocol
from .config import Config
from .store import Store

log = logging.getLogger("onestop")
FONTS = Path(__file__).resolve().parents[2] / "dichvucong" / "core" / "fonts"
CREDENTIAL_FILES = ("key.pem", "certificate.pem", "chain.pem")
SUBJECT_NAME_MAX = 64  # RFC 5280 upper bound of a common name
DEFAULT_PROCESSING_DAYS = 7
# Who takes each step, shown to the citizen by the portal (invented, but shaped like the real ones).
OFFICIALS = {
    "received": {"name": "Nguyễn Thị Hồng Nhung", "unit": "Bộ phận Tiếp nhận và Trả kết quả - Trung tâm Phục vụ hành chính công tỉnh"},
    "processing": {"name": "Trần Văn Khánh", "unit": "Phòng Bổ trợ tư pháp - Sở Tư pháp"},
    "awaiting_supplement": {"name": "Trần Văn Khánh", "unit": "Phòng Bổ trợ tư pháp - Sở Tư pháp"},
    "refused": {"name": "Lê Minh Tuấn", "unit": "Lãnh đạo Sở Tư pháp"},
}
STEPS = {
    "received": "Tiếp nhận hồ sơ",
    "processing": "Thẩm định hồ sơ",
    "awaiting_supplement": "Yêu cầu bổ sung hồ sơ",
    "refused": "Từ chối giải quyết hồ sơ",
}
# Every command that changes a dossier (the timer's advance too) holds this lock: the slow part
# of issuing a result (the CA, signing the PDF) happens outside any transaction, and no other
# command may decide on the same dossier meanwhile. Each change still re-reads the dossier
# inside its write transaction, so the messages received (which change dossiers under the
# store's lock only, never waiting for a signature) cannot be lost either.
_advancing = threading.Lock()


class UnknownDossier(LookupError):
    pass


class NotAdvanceable(Exception):
    """The dossier waits for someone else (the applicant) or is finished."""


class CredentialUnavailable(Exception):
    pass


# --- receiving ----------------------------------------------------------------------------
def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80].lstrip(".") or "file"


def save_attachments(config: Config, dossier_code: str, attachments: list[dict]) -> list[dict]:
    """Decode and keep each file, its SHA-256 checked first; ValueError names the first bad one."""
    kept, decoded = [], []
    for item in attachments:
        try:
            content = base64.b64decode(item["content"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError(f"attachment {item['name'][:40]!r} is not base64") from error
        if hashlib.sha256(content).hexdigest() != item["sha256"]:
            raise ValueError(f"attachment {item['name'][:40]!r}: sha256 does not match")
        decoded.append((item, content))
    folder = config.data_dir / "files" / _safe(dossier_code)
    folder.mkdir(parents=True, exist_ok=True)
    for item, content in decoded:
        (folder / f"{item['sha256'][:16]}-{_safe(item['name'])}").write_bytes(content)
        kept.append({"name": item["name"], "sha256": item["sha256"], "content_type": item["content_type"]})
    return kept


def _status_update(db: sqlite3.Connection, dossier: dict, status: str, **extra: Any) -> None:
    """Move the dossier to ``status`` and queue the update with the next sequence number;
    ``dossier`` is read in the same transaction (else two changes could share a sequence and
    the portal would drop the second as late)."""
    sequence = dossier["sequence"] + 1
    db.execute("UPDATE dossiers SET status = ?, sequence = ?, step_at = ? WHERE code = ?",
               (status, sequence, time.time(), dossier["code"]))
    payload = {"dossier_code": dossier["code"], "status": status, "sequence": sequence,
               "at": protocol.now_iso(), "step": STEPS[status], "official": OFFICIALS[status],
               "due_at": dossier["due_at"], **extra}
    Store.enqueue(db, "status_update", protocol.checked_payload("status_update", payload), dossier["code"])


def receive_dossier(db: sqlite3.Connection, payload: dict, attachments: list[dict]) -> None:
    """Store a handed-over dossier and queue ``received`` (sequence 1). A dossier handed over
    again (the portal's retry under another message id) changes nothing."""
    code = payload["dossier_code"]
    if db.execute("SELECT 1 FROM dossiers WHERE code = ?", (code,)).fetchone():
        log.info("dossier %s handed over again: ignored", code)
        return
    received = datetime.now(protocol.VIETNAM)
    due = payload.get("due_at") or protocol.now_iso(received + timedelta(days=DEFAULT_PROCESSING_DAYS))
    dossier = {"code": code, "sequence": 0, "due_at": due}
    db.execute(
        "INSERT INTO dossiers (code, procedure_code, agency_code, applicant_name, applicant, data, attachments,"
        " delivery_method, status, sequence, received_at, due_at, step_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (code, payload["procedure_code"], payload["agency_code"], payload["applicant"]["full_name"],
         json.dumps(payload["applicant"], ensure_ascii=False), json.dumps(payload["data"], ensure_ascii=False),
         json.dumps(attachments, ensure_ascii=False), payload.get("delivery_method", "online"), "received", 0,
         protocol.now_iso(received), due, time.time()),
    )
    _status_update(db, dossier, "received")
    log.info("dossier %s received (%s)", code, payload["procedure_code"])


def receive_supplement(db: sqlite3.Connection, payload: dict) -> None:
    """The applicant answered a supplement request (its files already kept): processing resumes."""
    row = db.execute("SELECT * FROM dossiers WHERE code = ?", (payload["dossier_code"],)).fetchone()
    if row is None or row["status"] != "awaiting_supplement":
        log.warning("supplement for dossier %s ignored (not awaiting one)", payload["dossier_code"])
        return
    _status_update(db, dict(row), "processing", step="Thẩm định hồ sơ bổ sung")


# --- commands -----------------------------------------------------------------------------
def _current(db: sqlite3.Connection, code: str) -> dict:
    """The dossier as it is inside the caller's write transaction."""
    row = db.execute("SELECT * FROM dossiers WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise UnknownDossier(code)
    return dict(row)


def advance(store: Store, config: Config, code: str) -> str:
    """Take the dossier's next step; its new status. :class:`CredentialUnavailable` leaves
    it at processing for the next try."""
    with _advancing:
        with store.write() as db:
            dossier = _current(db, code)
            if dossier["status"] == "received":
                _status_update(db, dossier, "processing")
                return "processing"
        if dossier["status"] != "processing":
            raise NotAdvanceable(dossier["status"])
        return _issue_result(store, config, dossier)


def request_supplement(store: Store, code: str, reason: str) -> None:
    with _advancing, store.write() as db:
        dossier = _current(db, code)
        if dossier["status"] not in ("received", "processing"):
            raise NotAdvanceable(dossier["status"])
        _status_update(db, dossier, "awaiting_supplement", reason=reason)
        Store.enqueue(db, "supplement_request", protocol.checked_payload("supplement_request", {
            "dossier_code": code, "reason": reason, "at": protocol.now_iso()}), code)


def refuse(store: Store, code: str, reason: str) -> None:
    with _advancing, store.write() as db:
        dossier = _current(db, code)
        if dossier["status"] in ("result_issued", "refused"):
            raise NotAdvanceable(dossier["status"])
        _status_update(db, dossier, "refused", reason=reason)
        db.execute("UPDATE dossiers SET finished_at = ? WHERE code = ?", (protocol.now_iso(), code))


def advance_due(store: Store, config: Config, older_than: float) -> None:
    """The timer: advance every dossier in progress whose last step is older than ``older_than`` s."""
    for dossier in store.read("SELECT code FROM dossiers WHERE status IN ('received', 'processing') AND step_at < ?",
                              (time.time() - older_than,)):
        try:
            advance(store, config, dossier["code"])
        except CredentialUnavailable as error:
            log.warning("dossier %s waits at processing: %s", dossier["code"], error)
        except NotAdvanceable:
            pass


# --- catalog, statistics, heartbeat -------------------------------------------------------
def catalog_payload(config: Config) -> dict:
    return protocol.checked_payload("catalog_sync", json.loads(config.catalog.read_text()))


def queue_catalog(store: Store, config: Config) -> None:
    with store.write() as db:
        Store.enqueue(db, "catalog_sync", catalog_payload(config))


def statistics_payload(store: Store, today: date | None = None) -> dict:
    """This month's figures from our own dossiers (received in it; finished in it)."""
    today = today or datetime.now(protocol.VIETNAM).date()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    month = first.isoformat()[:7]
    dossiers = store.dossiers()
    received = [d for d in dossiers if d["received_at"][:7] == month]
    resolved = [d for d in dossiers if (d["finished_at"] or "")[:7] == month]
    on_time = sum(1 for d in resolved if datetime.fromisoformat(d["finished_at"]) <= datetime.fromisoformat(d["due_at"]))
    return protocol.checked_payload("statistics_report", {
        "period": {"from": first.isoformat(), "to": last.isoformat()}, "received": len(received),
        "resolved": len(resolved), "on_time": on_time, "late": len(resolved) - on_time,
        "online": sum(1 for d in received if d["delivery_method"] == "online")})


def queue_statistics(store: Store) -> None:
    payload = statistics_payload(store)
    with store.write() as db:
        Store.enqueue(db, "statistics_report", payload)


def queue_heartbeat(store: Store, degraded: bool, *, if_none_pending: bool = False) -> None:
    """Queue a heartbeat; the timer's are skipped while one still waits (a portal that is
    down would otherwise find a pile of them)."""
    if if_none_pending and store.pending_of_type("heartbeat"):
        return
    payload = {"status": "degraded" if degraded else "ok", "backlog": store.outbox_counts()["pending"],
               "version": "onestop-sim/1"}
    with store.write() as db:
        Store.enqueue(db, "heartbeat", protocol.checked_payload("heartbeat", payload))


# --- the result ---------------------------------------------------------------------------
def _issue_result(store: Store, config: Config, dossier: dict) -> str:
    credential = agency_credential(config)
    issued = datetime.now(protocol.VIETNAM)
    count = store.read("SELECT COUNT(*) AS n FROM dossiers WHERE reference IS NOT NULL")[0]["n"]
    reference = f"{count + 1:03d}/{issued.year}/KQ-{config.code}"
    title = f"Kết quả giải quyết thủ tục: {procedure_name(config, dossier['procedure_code'])}"[:300]
    pdf = sign_pdf(result_pdf(config, dossier, reference, title, issued), credential, config, reference)
    digest = hashlib.sha256(pdf).hexdigest()
    payload = protocol.checked_payload("result_delivery", {
        "dossier_code": dossier["code"], "reference": reference, "title": title,
        "issued_at": protocol.now_iso(issued), "document": {
            "name": f"ket-qua-{_safe(dossier['code'])}.pdf", "content_type": "application/pdf",
            "sha256": digest, "content": base64.b64encode(pdf).decode()}})
    with store.write() as db:
        # The CA call and the signing took a while outside any transaction: whatever changed
        # the dossier meanwhile (a refusal) stands, and this result is dropped.
        if (status := _current(db, dossier["code"])["status"]) != "processing":
            log.warning("dossier %s became %s while its result was made: not issued", dossier["code"], status)
            raise NotAdvanceable(status)
        results = config.data_dir / "results"
        results.mkdir(parents=True, exist_ok=True)
        (results / f"{_safe(dossier['code'])}.pdf").write_bytes(pdf)
        db.execute("UPDATE dossiers SET status = 'result_issued', step_at = ?, finished_at = ?, reference = ?,"
                   " result_sha256 = ? WHERE code = ?",
                   (time.time(), protocol.now_iso(issued), reference, digest, dossier["code"]))
        Store.enqueue(db, "result_delivery", payload, dossier["code"])
    log.info("dossier %s: result %s issued", dossier["code"], reference)
    return "result_issued"


def procedure_name(config: Config, code: str) -> str:
    try:
        procedures = json.loads(config.catalog.read_text())["procedures"]
    except (OSError, ValueError, KeyError):
        return code
    return next((p["name"] for p in procedures if p.get("code") == code), code)


def result_pdf(config: Config, dossier: dict, reference: str, title: str, issued: datetime) -> bytes:
    """One A4 page: the motto, the agency, the reference, what was decided for whom."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    for font, file in (("DejaVu", "DejaVuSans.ttf"), ("DejaVu-Bold", "DejaVuSans-Bold.ttf")):
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(font, str(FONTS / file)))
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setTitle(title)
    width, height = A4
    left, right = 60, width - 60

    def lines(text: str, x: float, y: float, font: str = "DejaVu", size: float = 11, span: float = 0,
              centre: bool = False) -> float:
        page.setFont(font, size)
        for line in simpleSplit(text, font, size, span or right - x):
            page.drawCentredString(x, y, line) if centre else page.drawString(x, y, line)
            y -= size * 1.45
        return y

    lines(config.name.upper(), 150, height - 60, "DejaVu-Bold", 9, 200, centre=True)
    lines("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 400, height - 60, "DejaVu-Bold", 9, 250, centre=True)
    lines("Độc lập - Tự do - Hạnh phúc", 400, height - 74, "DejaVu-Bold", 10, 250, centre=True)
    lines(f"Số: {reference}", 150, height - 100, size=10, span=200, centre=True)
    lines(f"Đắk Lắk, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}", 400, height - 100,
          size=10, span=250, centre=True)
    y = lines("GIẤY XÁC NHẬN KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", width / 2, height - 160, "DejaVu-Bold", 13,
              right - left, centre=True)
    y = lines(title, width / 2, y - 4, size=11, span=right - left, centre=True) - 20
    for label, value in (
        ("Cơ quan giải quyết", f"{config.name} (mã {config.agency_code})"),
        ("Mã hồ sơ", dossier["code"]), ("Người nộp hồ sơ", dossier["applicant_name"]),
        ("Thủ tục", f"{dossier['procedure_code']} - {procedure_name(config, dossier['procedure_code'])}"),
        ("Ngày tiếp nhận", datetime.fromisoformat(dossier["received_at"]).strftime("%d/%m/%Y")),
        ("Ngày trả kết quả", issued.strftime("%d/%m/%Y")),
    ):
        y = lines(f"{label}: {value}", left, y) - 4
    y = lines("Hồ sơ đã được thẩm định và giải quyết theo quy định. Văn bản này được ký số bởi cơ quan "
              "giải quyết; tính toàn vẹn và hiệu lực của chữ ký được kiểm tra trên Cổng Dịch vụ công.",
              left, y - 12) - 30
    lines("THỦ TRƯỞNG CƠ QUAN", 420, y, "DejaVu-Bold", 10, 200, centre=True)
    lines("(Đã ký số)", 420, y - 16, size=9, span=200, centre=True)
    page.showPage()
    page.save()
    return buffer.getvalue()


def sign_pdf(pdf: bytes, credential: Path, config: Config, reference: str) -> bytes:
    """PAdES (ETSI.CAdES.detached, SHA-256) with the agency's key and its chain embedded."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(str(credential / "key.pem"), str(credential / "certificate.pem"),
                                       ca_chain_files=(str(credential / "chain.pem"),))
    if signer is None:
        raise CredentialUnavailable("the stored credential cannot be read")
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"Ban hành kết quả {reference}", name=config.name[:SUBJECT_NAME_MAX])
    return signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), metadata, signer=signer).getvalue()


def agency_credential(config: Config) -> Path:
    """The directory holding the agency's key and certificates, asked from the CA simulator
    the first time only (then kept: restarting does not issue a new one)."""
    directory = config.data_dir / "credential"
    if all((directory / name).is_file() for name in CREDENTIAL_FILES):
        return directory
    name = " ".join(config.name.split())[:SUBJECT_NAME_MAX]
    try:
        reply = httpx.post(config.ca_base + "certificates", timeout=10, json={
            "kind": "agency", "subject_name": name, "identifier": config.agency_code, "organization": name})
        body = reply.json() if reply.status_code == 201 else {}
        files = (body["private_key_pem"], body["certificate_pem"], "".join(body["chain_pems"]))
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        raise CredentialUnavailable(f"the CA did not issue a certificate ({type(error).__name__})") from error
    staging = Path(tempfile.mkdtemp(dir=config.data_dir, prefix=".credential."))
    for file_name, content in zip(CREDENTIAL_FILES, files, strict=True):
        fd = os.open(staging / file_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(staging, directory)  # all three files appear at once
    log.info("agency credential issued by the CA simulator")
    return directory
