"""Choices of the identity context (B1–B6): account types, official roles, methods, levels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    FOREIGNER = "foreigner", _("Người nước ngoài / người Việt Nam ở nước ngoài")
    OFFICIAL = "official", _("Cán bộ, công chức")


class OfficialRole(models.TextChoices):
    RECEIVER = "receiver", _("Tiếp nhận")
    PROCESSOR = "processor", _("Xử lý")
    APPROVER = "approver", _("Phê duyệt")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


class AuthMethod(models.TextChoices):
    PASSWORD = "password", _("Mật khẩu")
    SMS_OTP = "sms_otp", _("Mã OTP qua SMS")
    EMAIL_OTP = "email_otp", _("Mã OTP qua thư điện tử")
    TOTP = "totp", _("Ứng dụng xác thực (TOTP)")
    PASSKEY = "passkey", _("Khóa truy cập (sinh trắc học)")
    CERTIFICATE = "certificate", _("Chữ ký số")
    EID_LEVEL_1 = "eid1", _("Định danh điện tử VNeID mức 1")
    EID_LEVEL_2 = "eid2", _("Định danh điện tử VNeID mức 2")


class IdentityProofing(models.IntegerChoices):
    """How sure the portal is of who the account holder is (NIST IAL), see docs/levels-of-assurance.md."""

    SELF_ASSERTED = 1, _("Tự khai")
    REGISTRY_VERIFIED = 2, _("Đã đối chiếu với cơ sở dữ liệu quốc gia")
    EID_LEVEL_2 = 3, _("Định danh điện tử mức 2")


class AttributeName(models.TextChoices):
    PIN = "pin", _("Số định danh cá nhân")
    FULL_NAME = "full_name", _("Họ và tên")
    DATE_OF_BIRTH = "date_of_birth", _("Ngày sinh")
    SEX = "sex", _("Giới tính")
    PERMANENT_ADDRESS = "permanent_address", _("Nơi thường trú")
    PERSONAL_TAX_CODE = "personal_tax_code", _("Mã số thuế cá nhân")
    SOCIAL_INSURANCE_CODE = "social_insurance_code", _("Mã số bảo hiểm xã hội")
    EMAIL = "email", _("Thư điện tử")
    PHONE = "phone", _("Số điện thoại")
    PASSPORT_NUMBER = "passport_number", _("Số hộ chiếu")


class AttributeSource(models.TextChoices):
    SELF = "self", _("Người dùng tự khai")
    POPULATION = "population", _("CSDL quốc gia về dân cư")
    TAX = "tax", _("CSDL thuế")
    SOCIAL_INSURANCE = "social_insurance", _("CSDL bảo hiểm xã hội")
    ENTERPRISE = "enterprise", _("CSDL đăng ký doanh nghiệp")
    EID = "eid", _("Hệ thống định danh điện tử VNeID")
    CERTIFICATE = "certificate", _("Chứng thư số")
    CONFIRMATION = "confirmation", _("Mã xác nhận")


class CodePurpose(models.TextChoices):
    CONFIRM_EMAIL = "confirm_email", _("Xác nhận thư điện tử")
    CONFIRM_PHONE = "confirm_phone", _("Xác nhận số điện thoại")
    RECOVERY = "recovery", _("Khôi phục mật khẩu")
    SIGN_IN = "sign_in", _("Đăng nhập")


class DelegatedPermission(models.TextChoices):
    VIEW_DOSSIERS = "view_dossiers", _("Xem hồ sơ")
    SUBMIT_DOSSIERS = "submit_dossiers", _("Nộp hồ sơ")
    PAY_FEES = "pay_fees", _("Thanh toán phí, lệ phí")
    RECEIVE_RESULTS = "receive_results", _("Nhận kết quả")


LEVEL_ACR = {level: f"urn:dichvucong:loa:{level}" for level in (1, 2, 3, 4)}
ACR_LEVEL = {acr: level for level, acr in LEVEL_ACR.items()}
