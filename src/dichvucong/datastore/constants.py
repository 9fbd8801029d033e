"""The controlled list of document types in the personal data store (D1), and how a
dossier component's name points at them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Thẻ căn cước, căn cước công dân")
    PASSPORT = "passport", _("Hộ chiếu")
    BIRTH_CERTIFICATE = "birth_certificate", _("Giấy khai sinh")
    BIRTH_NOTICE = "birth_notice", _("Giấy chứng sinh")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("Giấy chứng nhận kết hôn")
    MARITAL_STATUS = "marital_status", _("Giấy xác nhận tình trạng hôn nhân")
    JUDICIAL_RECORD = "judicial_record", _("Phiếu lý lịch tư pháp")
    DRIVING_LICENCE = "driving_licence", _("Giấy phép lái xe")
    HEALTH_CERTIFICATE = "health_certificate", _("Giấy khám sức khỏe")
    DIPLOMA = "diploma", _("Văn bằng, chứng chỉ")
    BUSINESS_REGISTRATION = "business_registration", _("Giấy chứng nhận đăng ký doanh nghiệp, hộ kinh doanh")
    LAND_CERTIFICATE = "land_certificate", _("Giấy chứng nhận quyền sử dụng đất")
    RESIDENCE_PROOF = "residence_proof", _("Giấy tờ chứng minh chỗ ở hợp pháp")
    AUTHORISATION = "authorisation", _("Văn bản ủy quyền")
    PHOTO = "photo", _("Ảnh chân dung")
    OTHER = "other", _("Giấy tờ khác")


# Folded (no diacritics, lower case) phrases of dossier component names, per document type.
# The first type whose phrase appears wins: the more specific types come first ("proof of a
# lawful residence, as held in the electronic ID" asks for the proof, not for an ID card).
COMPONENT_KEYWORDS: dict[str, tuple[str, ...]] = {
    DocumentType.RESIDENCE_PROOF: ("cho o hop phap",),
    DocumentType.ID_CARD: ("can cuoc", "chung minh nhan dan"),
    DocumentType.PASSPORT: ("ho chieu",),
    DocumentType.BIRTH_CERTIFICATE: ("giay khai sinh", "ban sao khai sinh"),
    DocumentType.BIRTH_NOTICE: ("giay chung sinh",),
    DocumentType.MARRIAGE_CERTIFICATE: ("chung nhan ket hon",),
    DocumentType.MARITAL_STATUS: ("tinh trang hon nhan",),
    DocumentType.JUDICIAL_RECORD: ("ly lich tu phap",),
    DocumentType.DRIVING_LICENCE: ("giay phep lai xe",),
    DocumentType.HEALTH_CERTIFICATE: ("kham suc khoe",),
    DocumentType.DIPLOMA: ("van bang", "chung chi", "bang tot nghiep"),
    DocumentType.BUSINESS_REGISTRATION: ("dang ky doanh nghiep", "dang ky ho kinh doanh"),
    DocumentType.LAND_CERTIFICATE: ("quyen su dung dat",),
    DocumentType.AUTHORISATION: ("uy quyen",),
    DocumentType.PHOTO: ("anh chan dung", "anh mau", "anh 4x6", "anh 3x4"),
}


class SignatureStatus(models.TextChoices):
    NONE = "none", _("Không có chữ ký số")
    VALID = "valid", _("Chữ ký số hợp lệ")
    INVALID = "invalid", _("Chữ ký số không hợp lệ")


class Validity(models.TextChoices):
    """Where a stored document stands today; only VALID, EXPIRING and UNDATED may be reused."""

    VALID = "valid", _("Còn hiệu lực")
    EXPIRING = "expiring", _("Sắp hết hạn")
    EXPIRED = "expired", _("Hết hạn")
    NOT_YET_VALID = "not_yet_valid", _("Chưa có hiệu lực")
    UNDATED = "undated", _("Không ghi thời hạn")
    REVOKED = "revoked", _("Đã thu hồi")


REUSABLE = frozenset({Validity.VALID, Validity.EXPIRING, Validity.UNDATED})

# The domain event published when an issuing agency revokes a result (D1).
RESULT_REVOKED = "datastore.result_revoked"
