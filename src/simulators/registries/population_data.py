"""A synthetic, seeded population behind the registry simulators.

The population registry, the tax, social-insurance and enterprise registries must agree with
one another (a company's legal representative is a real citizen, a taxpayer's PIN is the
citizen's PIN), so all four simulators read the same people from here. Other simulators (eID
provider, SMS gateway) and demo accounts may use it too: ``demo_people()`` is the stable list
meant for them.

Every value is made up. Generation is seeded (``random.Random(2026)``) and age is computed
against a fixed reference date, never ``date.today()``, so the same PIN names the same
person on every machine and in every year; the data are built once per process, on first use.
E-mail addresses use the reserved ``example.*`` domains so that nothing can reach a real
mailbox by accident.
"""

from __future__ import annotations

import random
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from vietnam_provinces import Province, Ward

SEED = 2026
# Ages are relative to this date, not to today, so the data never drift from run to run.
REFERENCE_DATE = date(2026, 1, 1)
HOUSEHOLD_COUNT = 1_700
ENTERPRISE_COUNT = 650

# Province codes used in the first three digits of a PIN (Circular 59/2021/TT-BCA): the
# 63 provinces as they were before the 2025 merger, because a PIN never changes.
BIRTH_PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

# Family names with rough shares of the population (per cent); the long tail shares the rest.
FAMILY_NAMES: dict[str, float] = {
    "Nguyễn": 38.0, "Trần": 11.0, "Lê": 9.5, "Phạm": 7.0, "Hoàng": 3.0, "Huỳnh": 2.1,
    "Phan": 4.5, "Vũ": 2.0, "Võ": 1.9, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3,
    "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5, "Đinh": 0.8, "Trương": 0.8, "Lâm": 0.5,
    "Mai": 0.5, "Trịnh": 0.5, "Đoàn": 0.5, "Cao": 0.4, "Lưu": 0.4, "Tạ": 0.3, "Hà": 0.4,
    "Lương": 0.3, "Châu": 0.2, "Tô": 0.2, "Quách": 0.2,
}  # fmt: skip
MALE_MIDDLE = [
    "Văn",
    "Hữu",
    "Đức",
    "Minh",
    "Quang",
    "Công",
    "Thành",
    "Xuân",
    "Trọng",
    "Gia",
    "Anh",
    "Đình",
    "Tuấn",
    "Bảo",
]
FEMALE_MIDDLE = [
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Phương",
    "Bảo",
    "Minh",
    "Khánh",
    "Hoài",
    "Mỹ",
    "Kim",
    "Thùy",
    "Diệu",
    "Hồng",
]
MALE_GIVEN = [
    "An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng",
    "Huy", "Khang", "Khoa", "Kiên", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân",
    "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh",
    "Lâm", "Hòa", "Quang", "Thịnh", "Khôi", "Nhật", "Lộc", "Hưng",
]  # fmt: skip
FEMALE_GIVEN = [
    "An", "Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa", "Hương",
    "Huyền", "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh",
    "Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Trinh", "Tú", "Uyên", "Vân", "Vy", "Yến",
    "Hân", "Hồng", "Nhi", "Thư", "Diệp", "Xuân",
]  # fmt: skip
STREETS = [
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
    "Hùng Vương", "Điện Biên Phủ", "Nguyễn Huệ", "Lê Duẩn", "Phan Đình Phùng", "Trần Phú",
    "Nguyễn Du", "Lê Thánh Tông", "Bà Triệu", "Nguyễn Thị Minh Khai", "Võ Thị Sáu",
    "Phạm Văn Đồng", "Nguyễn Văn Cừ", "Lạc Long Quân", "Âu Cơ", "Ngô Quyền", "Lê Hồng Phong",
    "Hoàng Hoa Thám", "Tôn Đức Thắng", "Cách Mạng Tháng Tám", "Nguyễn Chí Thanh", "Chu Văn An",
    "Trường Chinh", "Lý Tự Trọng", "Phan Chu Trinh", "Yết Kiêu", "Đinh Tiên Hoàng", "Kim Mã",
]  # fmt: skip
# Mobile prefixes in use by Viettel, VinaPhone, MobiFone and Vietnamobile since the 2018 renumbering.
MOBILE_PREFIXES = [
    "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
    "088", "091", "094", "081", "082", "083", "084", "085",
    "089", "090", "093", "070", "076", "077", "078", "079", "092", "056", "058",
]  # fmt: skip
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]
ENTERPRISE_FORMS = [
    "CÔNG TY TNHH",
    "CÔNG TY TNHH MỘT THÀNH VIÊN",
    "CÔNG TY CỔ PHẦN",
    "DOANH NGHIỆP TƯ NHÂN",
]
ENTERPRISE_TRADES = [
    "THƯƠNG MẠI", "XÂY DỰNG", "THƯƠNG MẠI VÀ DỊCH VỤ", "CÔNG NGHỆ", "VẬN TẢI", "SẢN XUẤT",
    "ĐẦU TƯ", "NÔNG SẢN", "THỰC PHẨM", "DU LỊCH", "TƯ VẤN", "XUẤT NHẬP KHẨU", "KỸ THUẬT",
    "DƯỢC PHẨM", "CƠ KHÍ", "MAY MẶC", "GIÁO DỤC", "BẤT ĐỘNG SẢN",
]  # fmt: skip
ENTERPRISE_BRANDS = [
    "An Phát", "Hoàng Long", "Minh Anh", "Phú Thịnh", "Thành Đạt", "Sao Việt", "Đại Dương",
    "Tân Phú", "Hòa Bình", "Trường Sơn", "Việt Hưng", "Bảo Ngọc", "Hưng Thịnh", "Phương Nam",
    "Đông Á", "Kim Long", "Nam Việt", "Thiên An", "Gia Phát", "Hải Đăng", "Quang Minh",
    "Tiến Phát", "Nhật Minh", "An Khang", "Phúc Lộc", "Vạn Xuân", "Bình Minh", "Hồng Hà",
    "Sông Hàn", "Mê Kông", "Tây Nguyên", "Ánh Dương", "Trí Việt", "Lạc Hồng", "Hà Thành",
]  # fmt: skip
# Rough weights so that addresses follow where people live: the two big cities dominate.
PROVINCE_WEIGHTS = {1: 9.0, 79: 10.0, 31: 2.5, 48: 1.5, 92: 1.5, 75: 3.0, 40: 3.0, 38: 3.0}
SOUTHERN_PROVINCES = {75, 79, 80, 82, 86, 91, 92, 96}


@dataclass(frozen=True)
class Person:
    """One citizen as the population registry knows them (plus what other registries hold)."""

    pin: str
    full_name: str
    date_of_birth: date
    sex: str  # "male" | "female"
    permanent_address: str
    household_id: str
    phone: str | None  # None for children under 14
    email: str | None
    personal_tax_code: str  # the PIN for most; a legacy 10-digit code for some adults
    social_insurance_code: str | None
    deceased: bool

    @property
    def age(self) -> int:
        """Age in whole years on the fixed reference date of the data set."""
        return _age(self.date_of_birth)


@dataclass(frozen=True)
class Enterprise:
    """One enterprise as the national business registry knows it."""

    enterprise_code: str  # also its tax code
    name: str
    legal_representative_pin: str
    legal_representative_name: str
    address: str
    status: str  # "active" | "suspended" | "dissolved"
    registered_on: date


@dataclass(frozen=True)
class _Dataset:
    people: list[Person]
    by_pin: dict[str, Person]
    by_household: dict[str, list[Person]]
    enterprises: list[Enterprise]
    by_code: dict[str, Enterprise]


def _age(born: date) -> int:
    years = REFERENCE_DATE.year - born.year
    return years - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))


def ascii_fold(text: str) -> str:
    """Vietnamese text without diacritics ("Đặng Thị Hà" -> "Dang Thi Ha"), for e-mail local parts."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class _Generator:
    """Builds the whole data set from one seeded random stream; order of draws is the contract."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.pins: set[str] = set()
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.tax_codes: set[str] = set()
        self.insurance_codes: set[str] = set()
        self.provinces = sorted(Province.iter_all(), key=lambda p: p.code.value)
        wards: dict[int, list[Ward]] = defaultdict(list)
        for ward in Ward.iter_all():
            wards[ward.province_code.value].append(ward)
        self.wards = {
            code: sorted(items, key=lambda w: w.code.value) for code, items in wards.items()
        }
        self.province_weights = [PROVINCE_WEIGHTS.get(p.code.value, 1.0) for p in self.provinces]
        self.birth_codes = sorted(BIRTH_PROVINCE_CODES)
        self.family_names = list(FAMILY_NAMES)
        self.family_weights = list(FAMILY_NAMES.values())

    # --- building blocks ---------------------------------------------------------------
    def province_label(self, province: Province) -> str:
        if province.name.startswith("Thành phố"):
            return province.name
        return f"Tỉnh {province.name}"

    def address(self) -> tuple[int, str]:
        """A plausible address in one of the 34 provinces and 3,321 communes of 2025."""
        rng = self.rng
        province = rng.choices(self.provinces, weights=self.province_weights)[0]
        ward = rng.choice(self.wards[province.code.value])
        if ward.name.startswith("Phường"):
            place = f"Số {rng.randint(1, 250)} đường {rng.choice(STREETS)}"
        else:
            hamlet = "Ấp" if province.code.value in SOUTHERN_PROVINCES else "Thôn"
            place = f"{hamlet} {rng.randint(1, 12)}"
        return province.code.value, f"{place}, {ward.name}, {self.province_label(province)}"

    def birth_date(self, year: int) -> date:
        start = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - start).days
        born = start + timedelta(days=self.rng.randrange(days))
        # Nobody in the data is born after the reference date.
        return min(born, REFERENCE_DATE - timedelta(days=1))

    def pin(self, birth_province: str, born: date, sex: str) -> str:
        century = 0 if born.year < 2000 else 2
        digit = century + (1 if sex == "female" else 0)
        while True:
            pin = f"{birth_province}{digit}{born.year % 100:02d}{self.rng.randrange(10**6):06d}"
            if pin not in self.pins:
                self.pins.add(pin)
                return pin

    def given_names(self, sex: str, born: date) -> tuple[str, str]:
        rng = self.rng
        # "Văn" and "Thị" were the default middle names of earlier generations and fade after.
        traditional = 0.55 if born.year < 1980 else 0.25
        if sex == "male":
            middle = "Văn" if rng.random() < traditional else rng.choice(MALE_MIDDLE[1:])
            given = rng.choice(MALE_GIVEN)
        else:
            middle = "Thị" if rng.random() < traditional else rng.choice(FEMALE_MIDDLE[1:])
            given = rng.choice(FEMALE_GIVEN)
        if given == middle:
            given = rng.choice(MALE_GIVEN if sex == "male" else FEMALE_GIVEN[:10])
        return middle, given

    def unique_digits(self, seen: set[str], prefix: str, length: int) -> str:
        while True:
            code = (
                prefix
                + f"{self.rng.randrange(10 ** (length - len(prefix))):0{length - len(prefix)}d}"
            )
            if code not in seen:
                seen.add(code)
                return code

    def person(
        self,
        *,
        family: str,
        sex: str,
        born: date,
        birth_province: str,
        address: str,
        household_id: str,
    ) -> Person:
        rng = self.rng
        middle, given = self.given_names(sex, born)
        full_name = unicodedata.normalize("NFC", f"{family} {middle} {given}")
        pin = self.pin(birth_province, born, sex)
        age = _age(born)
        phone = None
        if age >= 14:
            phone = self.unique_digits(self.phones, rng.choice(MOBILE_PREFIXES), 10)
        email = None
        if age >= 16 and rng.random() < 0.45:
            local = ascii_fold(f"{given}{family}{middle}").lower().replace(" ", "")
            candidate = f"{local}{born.year % 100:02d}@{rng.choice(EMAIL_DOMAINS)}"
            while candidate in self.emails:
                candidate = f"{local}{rng.randrange(100, 1000)}@{rng.choice(EMAIL_DOMAINS)}"
            self.emails.add(candidate)
            email = candidate
        # Since 1 July 2025 the PIN is the personal tax code; a legacy 10-digit code remains
        # for some people registered earlier whose records are still being migrated.
        tax_code = pin
        if age >= 25 and rng.random() < 0.12:
            tax_code = self.unique_digits(self.tax_codes, f"{rng.randint(1, 96):02d}", 10)
        insurance = None
        if age >= 18 and rng.random() < 0.82:
            insurance = self.unique_digits(self.insurance_codes, birth_province[1:], 10)
        deceased = age >= 65 and rng.random() < 0.04
        return Person(
            pin=pin,
            full_name=full_name,
            date_of_birth=born,
            sex=sex,
            permanent_address=address,
            household_id=household_id,
            phone=phone,
            email=email,
            personal_tax_code=tax_code,
            social_insurance_code=insurance,
            deceased=deceased,
        )

    def family_name(self) -> str:
        return self.rng.choices(self.family_names, weights=self.family_weights)[0]

    # --- households -------------------------------------------------------------------
    def household(self, number: int) -> list[Person]:
        """One household of 1-6 people at one address: a couple or a single adult, their
        children born when the mother was 20-42, and, where room is left, the head's parents."""
        rng = self.rng
        household_id = f"HK{number:07d}"
        province_code, address = self.address()
        local_code = f"{province_code:03d}"  # 2025 province codes are kept pre-merger codes
        size = rng.choices([1, 2, 3, 4, 5, 6], weights=[12, 20, 25, 25, 12, 6])[0]
        year = REFERENCE_DATE.year

        def native_or_migrant() -> str:
            return local_code if rng.random() < 0.7 else rng.choice(self.birth_codes)

        if size == 1:
            sex = rng.choice(["male", "female"])
            born = self.birth_date(rng.randint(year - 90, year - 19))
            return [self.person(family=self.family_name(), sex=sex, born=born,
                                birth_province=native_or_migrant(), address=address,
                                household_id=household_id)]  # fmt: skip

        head_sex = "male" if rng.random() < 0.7 else "female"
        head_born = self.birth_date(rng.randint(year - 80, year - 22))
        head_family = self.family_name()
        members = [self.person(family=head_family, sex=head_sex, born=head_born,
                               birth_province=native_or_migrant(), address=address,
                               household_id=household_id)]  # fmt: skip
        single_parent = size >= 3 and rng.random() < 0.1
        mother_born = head_born
        father_family = head_family
        if not single_parent:
            spouse_sex = "female" if head_sex == "male" else "male"
            spouse_year = max(year - 85, min(year - 20, head_born.year + rng.randint(-6, 6)))
            spouse_born = self.birth_date(spouse_year)
            spouse_family = self.family_name()
            members.append(self.person(family=spouse_family, sex=spouse_sex, born=spouse_born,
                                       birth_province=native_or_migrant(), address=address,
                                       household_id=household_id))  # fmt: skip
            if spouse_sex == "female":
                mother_born = spouse_born
            else:
                father_family = spouse_family
        # Children take the father's family name (the mother's for a single mother).
        earliest = mother_born.year + 20
        latest = min(mother_born.year + 42, year - 1)
        children = size - len(members)
        grandparents = 0
        if earliest > latest:
            grandparents, children = min(children, 2), 0
        for _ in range(children):
            born = self.birth_date(rng.randint(earliest, latest))
            sex = rng.choice(["male", "female"])
            members.append(self.person(family=father_family, sex=sex, born=born,
                                       birth_province=local_code, address=address,
                                       household_id=household_id))  # fmt: skip
        if grandparents:
            # The head's parents: father keeps the head's family name; both 20-35 years older.
            for sex in ["male", "female"][:grandparents]:
                born_year = max(year - 100, head_born.year - rng.randint(20, 35))
                family = head_family if sex == "male" else self.family_name()
                members.append(self.person(family=family, sex=sex, born=self.birth_date(born_year),
                                           birth_province=rng.choice(self.birth_codes),
                                           address=address, household_id=household_id))  # fmt: skip
        return members

    # --- enterprises ------------------------------------------------------------------
    def enterprises(self, adults: list[Person]) -> list[Enterprise]:
        rng = self.rng
        codes: set[str] = set()
        names: set[str] = set()
        result = []
        for _ in range(ENTERPRISE_COUNT):
            # First two digits: the issuing tax area (01 Hà Nội, 03 TP Hồ Chí Minh, ...).
            prefix = rng.choices(
                ["01", "03", "02", "04", "18", "36", "25"], weights=[30, 35, 8, 6, 5, 4, 4]
            )[0]
            code = self.unique_digits(codes, prefix, 10)
            while True:
                form = rng.choices(ENTERPRISE_FORMS, weights=[45, 20, 25, 10])[0]
                name = f"{form} {rng.choice(ENTERPRISE_TRADES)} {rng.choice(ENTERPRISE_BRANDS).upper()}"
                if name not in names:
                    names.add(name)
                    break
            representative = rng.choice(adults)
            registered_on = self.birth_date(rng.randint(1995, REFERENCE_DATE.year - 1))
            roll = rng.random()
            status = "active"
            if roll < 0.05 and registered_on.year < 2024:
                status = "dissolved"
            elif roll < 0.15:
                status = "suspended"
            _, address = self.address()
            result.append(
                Enterprise(
                    enterprise_code=code,
                    name=unicodedata.normalize("NFC", name),
                    legal_representative_pin=representative.pin,
                    legal_representative_name=representative.full_name,
                    address=address,
                    status=status,
                    registered_on=registered_on,
                )
            )
        return result

    def build(self) -> _Dataset:
        people: list[Person] = []
        for number in range(1, HOUSEHOLD_COUNT + 1):
            people.extend(self.household(number))
        by_household: dict[str, list[Person]] = defaultdict(list)
        for person in people:
            by_household[person.household_id].append(person)
        adults = [p for p in people if not p.deceased and 22 <= p.age <= 70]
        enterprises = self.enterprises(adults)
        return _Dataset(
            people=people,
            by_pin={p.pin: p for p in people},
            by_household=dict(by_household),
            enterprises=enterprises,
            by_code={e.enterprise_code: e for e in enterprises},
        )


_dataset: _Dataset | None = None
_lock = threading.Lock()


def _data() -> _Dataset:
    # The simulators answer from several threads; build once, under a lock.
    global _dataset
    if _dataset is None:
        with _lock:
            if _dataset is None:
                _dataset = _Generator().build()
    return _dataset


def people() -> list[Person]:
    """Everyone in the synthetic population (more than 5,000 people), in a stable order."""
    return list(_data().people)


def find_person(pin: str) -> Person | None:
    """The person with this PIN, or None."""
    return _data().by_pin.get(pin)


def household_members(household_id: str) -> list[Person]:
    """Everyone registered in one household (sổ hộ khẩu / hộ gia đình), head first."""
    return list(_data().by_household.get(household_id, []))


def enterprises() -> list[Enterprise]:
    """Every enterprise in the synthetic business registry (more than 600), in a stable order."""
    return list(_data().enterprises)


def find_enterprise(code: str) -> Enterprise | None:
    """The enterprise with this 10-digit enterprise code (= its tax code), or None."""
    return _data().by_code.get(code)


def demo_people(n: int = 10) -> list[Person]:
    """A stable list of living adults (25-60) with a phone, the PIN as tax code and a social
    insurance code: every registry knows them, so they suit demo accounts and tests."""
    chosen = [
        p
        for p in _data().people
        if not p.deceased
        and 25 <= p.age <= 60
        and p.phone
        and p.social_insurance_code
        and p.personal_tax_code == p.pin
    ]
    return chosen[:n]
