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
    AUTHORISATION = "authorisation", _("Văn bản ủy quyền")
    PHOTO = "photo", _("Ảnh chân dung")
    OTHER = "other", _("Giấy tờ khác")


# Folded (no diacritics, lower case) phrases of dossier component names, per document type.
COMPONENT_KEYWORDS: dict[str, tuple[str, ...]] = {
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
