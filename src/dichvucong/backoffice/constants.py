"""The back office's vocabulary: workflow steps, refusal reasons (G1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StepKind(models.TextChoices):
    RECEIVE = "receive", _("Tiếp nhận, kiểm tra")
    ASSIGN = "assign", _("Phân công")
    PROCESS = "process", _("Thẩm định, xử lý")
    CONSULT = "consult", _("Xin ý kiến (liên thông)")
    APPROVE = "approve", _("Phê duyệt")
    SIGN = "sign", _("Ký số kết quả")
    RETURN = "return", _("Trả kết quả")


class RefusalReason(models.TextChoices):
    """Grounds for refusing a dossier, as the one-stop rules list them; the official adds text."""

    INCOMPLETE = "incomplete", _("Hồ sơ không đầy đủ, không hợp lệ sau khi đã yêu cầu bổ sung")
    NOT_COMPETENT = "not_competent", _("Không thuộc thẩm quyền giải quyết của cơ quan")
    NOT_ELIGIBLE = "not_eligible", _("Không đủ điều kiện theo quy định")
    FALSE_INFORMATION = "false_information", _("Thông tin, giấy tờ không trung thực")
    DUPLICATE = "duplicate", _("Trùng với hồ sơ đã nộp")
    OTHER_LEGAL_GROUND = "other_legal_ground", _("Lý do khác theo quy định của pháp luật")


class Worklist(models.TextChoices):
    RECEIVE = "receive", _("Chờ tiếp nhận")
    PROCESS = "process", _("Chờ xử lý")
    APPROVE = "approve", _("Chờ phê duyệt, ký")
    RETURN = "return", _("Chờ trả kết quả")
    WAITING = "waiting", _("Chờ công dân bổ sung")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    ALL = "all", _("Tất cả")
