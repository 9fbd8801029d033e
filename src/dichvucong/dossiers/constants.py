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
