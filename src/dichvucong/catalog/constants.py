"""Controlled vocabularies of the catalog (A1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyLevel(models.TextChoices):
    MINISTRY = "ministry", _("Bộ, ngành trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")
    OTHER = "other", _("Cơ quan khác")


class GovernmentLevel(models.TextChoices):
    """The level of government that implements a procedure (cấp thực hiện)."""

    MINISTRY = "ministry", _("Cấp bộ")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")
    OTHER = "other", _("Cơ quan khác")


class ServiceLevel(models.TextChoices):
    """Digitisation of a service, after Draft Art. 16 (toàn trình / một phần)."""

    FULL = "full", _("Trực tuyến toàn trình")
    PARTIAL = "partial", _("Trực tuyến một phần")
    OFFLINE = "offline", _("Không trực tuyến")


class Target(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp, hợp tác xã")
    ORGANISATION = "organisation", _("Tổ chức")
    FOREIGNER = "foreigner", _("Người nước ngoài, người Việt Nam ở nước ngoài")
    OFFICIAL = "official", _("Cán bộ, công chức, viên chức")


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    IN_PERSON = "in_person", _("Trực tiếp")
    POSTAL = "postal", _("Dịch vụ bưu chính")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    DAYS = "days", _("ngày")
    HOURS = "hours", _("giờ")
    MONTHS = "months", _("tháng")


class ProcedureStatus(models.TextChoices):
    ACTIVE = "active", _("Đang hiệu lực")
    ABOLISHED = "abolished", _("Đã bãi bỏ")


class AssuranceLevel(models.IntegerChoices):
    """Levels of assurance 1–4 (B4); defined in docs/levels-of-assurance.md."""

    LEVEL_1 = 1, _("Mức 1")
    LEVEL_2 = 2, _("Mức 2")
    LEVEL_3 = 3, _("Mức 3")
    LEVEL_4 = 4, _("Mức 4")


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp")


# Standard departments of a province's People's Committee after the 2025 reorganisation.
# (kind, Vietnamese name, English name, keywords that route a procedure's implementing agency to it)
PROVINCIAL_DEPARTMENTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("cong-an", "Công an", "Provincial Police", ("công an", "cảnh sát", "xuất nhập cảnh")),
    ("tu-phap", "Sở Tư pháp", "Department of Justice", ("sở tư pháp", "tư pháp")),
    ("tai-chinh", "Sở Tài chính", "Department of Finance", ("sở tài chính", "tài chính", "kế hoạch và đầu tư", "đăng ký kinh doanh")),
    ("thue", "Thuế tỉnh", "Provincial Tax Office", ("thuế", "cục thuế", "chi cục thuế")),
    ("hai-quan", "Chi cục Hải quan", "Customs Branch", ("hải quan",)),
    ("xay-dung", "Sở Xây dựng", "Department of Construction", ("sở xây dựng", "xây dựng", "giao thông")),
    ("nong-nghiep-moi-truong", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment", ("nông nghiệp", "môi trường", "tài nguyên", "đất đai", "văn phòng đăng ký đất")),
    ("noi-vu", "Sở Nội vụ", "Department of Home Affairs", ("nội vụ", "lao động", "thương binh")),
    ("y-te", "Sở Y tế", "Department of Health", ("y tế",)),
    ("giao-duc", "Sở Giáo dục và Đào tạo", "Department of Education and Training", ("giáo dục",)),
    ("cong-thuong", "Sở Công Thương", "Department of Industry and Trade", ("công thương",)),
    ("khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ", "Department of Science and Technology", ("khoa học", "thông tin và truyền thông")),
    ("van-hoa", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism", ("văn hóa", "du lịch", "thể thao")),
    ("bao-hiem-xa-hoi", "Bảo hiểm xã hội tỉnh", "Provincial Social Insurance", ("bảo hiểm xã hội",)),
    ("ngan-hang", "Ngân hàng Nhà nước chi nhánh", "State Bank branch", ("ngân hàng",)),
    ("kho-bac", "Kho bạc Nhà nước khu vực", "State Treasury", ("kho bạc",)),
]

NO_INFORMATION = "Không có thông tin"
