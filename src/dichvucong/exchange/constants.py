"""The exchange's vocabulary: members, message types, refusal codes (H1, H2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Personal data travels encrypted for its receiver (JWE), always; see protocol.py.
from dichvucong.exchange.protocol import (  # noqa: F401 - re-exported
    MAX_CLOCK_SKEW_SECONDS,
    PERSONAL_DATA_TYPES,
    SCHEMA_VERSION,
)


class MemberKind(models.TextChoices):
    PORTAL = "portal", _("Cổng Dịch vụ công")
    MINISTRY = "ministry", _("Bộ, ngành")
    PROVINCE = "province", _("Tỉnh, thành phố")
    PROVIDER = "provider", _("Đơn vị cung cấp dịch vụ công (điện, nước…)")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Đang kết nối")
    SUSPENDED = "suspended", _("Tạm ngừng")


class KeyStatus(models.TextChoices):
    ACTIVE = "active", _("Đang dùng")
    REVOKED = "revoked", _("Đã thu hồi")


class MessageType(models.TextChoices):
    CATALOG_SYNC = "catalog_sync", _("Đồng bộ danh mục thủ tục")
    DOSSIER_HANDOVER = "dossier_handover", _("Chuyển hồ sơ")
    STATUS_UPDATE = "status_update", _("Cập nhật trạng thái")
    RESULT_DELIVERY = "result_delivery", _("Trả kết quả")
    SUPPLEMENT_REQUEST = "supplement_request", _("Yêu cầu bổ sung")
    SUPPLEMENT = "supplement", _("Bổ sung hồ sơ")
    STATISTICS_REPORT = "statistics_report", _("Báo cáo thống kê")
    HEARTBEAT = "heartbeat", _("Kiểm tra kết nối")


MAX_MESSAGE_BYTES = 20 * 1024 * 1024


class Refusal(models.TextChoices):
    """Why a message is refused; each is answered with its HTTP status (docs/exchange.md)."""

    INVALID_TOKEN = "invalid_token", _("Lời gọi không có mã truy cập hợp lệ")
    MALFORMED = "malformed", _("Không đọc được thông điệp")
    UNKNOWN_KEY = "unknown_key", _("Khóa ký không được đăng ký")
    KEY_REVOKED = "key_revoked", _("Khóa ký đã bị thu hồi")
    SENDER_SUSPENDED = "sender_suspended", _("Thành viên gửi đang bị tạm ngừng")
    BAD_SIGNATURE = "bad_signature", _("Chữ ký không hợp lệ")
    SENDER_MISMATCH = "sender_mismatch", _("Người gửi không khớp với khóa ký")
    NOT_FOR_US = "not_for_us", _("Thông điệp không gửi cho Cổng")
    NOT_ALLOWED = "not_allowed", _("Thành viên không được gửi loại thông điệp này")
    STALE = "stale", _("Thời điểm gửi lệch quá 300 giây")
    REPLAYED = "replayed", _("Mã thông điệp đã được dùng cho thông điệp khác")
    NOT_ENCRYPTED = "not_encrypted", _("Dữ liệu cá nhân phải được mã hóa")
    UNDECRYPTABLE = "undecryptable", _("Không giải mã được dữ liệu")
    SCHEMA_VIOLATION = "schema_violation", _("Dữ liệu không đúng lược đồ")


REFUSAL_HTTP_STATUS = {
    Refusal.INVALID_TOKEN: 401, Refusal.MALFORMED: 400, Refusal.UNKNOWN_KEY: 401, Refusal.KEY_REVOKED: 401,
    Refusal.SENDER_SUSPENDED: 403,
    Refusal.BAD_SIGNATURE: 401, Refusal.SENDER_MISMATCH: 401, Refusal.NOT_FOR_US: 421, Refusal.NOT_ALLOWED: 403,
    Refusal.STALE: 400, Refusal.REPLAYED: 409, Refusal.NOT_ENCRYPTED: 400, Refusal.UNDECRYPTABLE: 400,
    Refusal.SCHEMA_VIOLATION: 422,
}
