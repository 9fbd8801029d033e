"""The dossier's states and who may move it between them (C3, C5, G1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thanh toán")
    SUBMITTED = "submitted", _("Đã nộp")
    RECEIVED = "received", _("Đã tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Chờ bổ sung")
    RESULT_ISSUED = "result_issued", _("Đã có kết quả")
    REFUSED = "refused", _("Từ chối")
    WITHDRAWN = "withdrawn", _("Đã rút")
    CANCELLED = "cancelled", _("Đã hủy")


FINAL_STATUSES = frozenset(
    {DossierStatus.RESULT_ISSUED, DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.CANCELLED}
)


class Actor(models.TextChoices):
    APPLICANT = "applicant", _("Người nộp")
    OFFICIAL = "official", _("Cán bộ")
    SYSTEM = "system", _("Hệ thống")


class DeliveryMethod(models.TextChoices):
    ONLINE = "online", _("Nhận trực tuyến")
    POST = "post", _("Qua dịch vụ bưu chính")
    IN_PERSON = "in_person", _("Trực tiếp")


class ActivityKind(models.TextChoices):
    """What a history entry records: a status change (the state machine's), or something
    else that happened to the dossier without changing its status."""

    STATUS = "status", _("Đổi trạng thái")
    STEP = "step", _("Chuyển bước xử lý")
    ASSIGNED = "assigned", _("Đã phân công cán bộ xử lý")
    TRANSFERRED = "transferred", _("Chuyển đơn vị, cơ quan")
    CONSULTED = "consulted", _("Đã xin ý kiến đơn vị, cơ quan khác (liên thông)")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    ESCALATED = "escalated", _("Báo lãnh đạo")
    APOLOGY = "apology", _("Thư xin lỗi, hẹn lại ngày trả")
    DEADLINE_CHANGED = "deadline_changed", _("Đổi ngày hẹn trả")
    RESULT = "result", _("Kết quả")
    POSTAL = "postal", _("Bưu chính")
    NOTE = "note", _("Ghi chú")
