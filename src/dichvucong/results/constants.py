"""Choices and codes of signed electronic results (C4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationCode(models.TextChoices):
    """What a verification found, machine-readable (API ``code``); only VALID is ``ok``."""

    VALID = "valid", _("Kết quả hợp lệ")
    NOT_PDF = "not_pdf", _("Tệp không phải là tệp PDF đọc được")
    TOO_LARGE = "too_large", _("Tệp quá lớn")
    UNSIGNED = "unsigned", _("Tệp không có chữ ký số")
    MODIFIED = "modified", _("Tệp đã bị sửa đổi sau khi ký")
    INVALID_SIGNATURE = "invalid_signature", _("Chữ ký số không hợp lệ")
    UNTRUSTED_CHAIN = "untrusted_chain", _("Chứng thư số không do tổ chức chứng thực tin cậy cấp")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Chứng thư số của cơ quan ký đã bị thu hồi")
    REVOCATION_UNKNOWN = "revocation_unknown", _("Không kiểm tra được tình trạng thu hồi của chứng thư số")
    UNKNOWN_RESULT = "unknown_result", _("Không tìm thấy kết quả này trong hệ thống")
    RESULT_REVOKED = "result_revoked", _("Kết quả đã bị cơ quan ban hành thu hồi")
    MISMATCH = "mismatch", _("Tệp không khớp với kết quả đang tra cứu")


# Result types a procedure may map to; the templates themselves are in result_types.py.
class ResultType(models.TextChoices):
    TEMPORARY_RESIDENCE = "temporary_residence", _("Xác nhận đăng ký tạm trú")
    GENERIC = "generic", _("Kết quả giải quyết thủ tục hành chính")


REFERENCE_PREFIX = "KQ-"
SIGNATURE_FIELD = "ChuKyCoQuan"
