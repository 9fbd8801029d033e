"""What people type, mapped to the words the catalog uses (A2).

Keys and values are folded (lower case, no diacritics). A key found in a query
adds its expansion to the query; the original words stay, so nothing that
matched before stops matching. Agencies extend these lists as they learn what
their users search for.
"""

# Abbreviations that citizens and officials write.
ABBREVIATIONS: dict[str, str] = {
    "bhxh": "bao hiem xa hoi",
    "bhyt": "bao hiem y te",
    "bhtn": "bao hiem that nghiep",
    "gplx": "giay phep lai xe",
    "cccd": "can cuoc cong dan can cuoc",
    "cmnd": "chung minh nhan dan can cuoc",
    "mst": "ma so thue",
    "tncn": "thu nhap ca nhan",
    "tndn": "thu nhap doanh nghiep",
    "gtgt": "gia tri gia tang",
    "dkkd": "dang ky kinh doanh",
    "gcn": "giay chung nhan",
    "qsdd": "quyen su dung dat",
    "gpxd": "giay phep xay dung",
    "hkd": "ho kinh doanh",
    "lltp": "ly lich tu phap",
    "dn": "doanh nghiep",
    "htx": "hop tac xa",
    "ubnd": "uy ban nhan dan",
    "tthc": "thu tuc hanh chinh",
    "dvc": "dich vu cong",
    "xnc": "xuat nhap canh",
    "pccc": "phong chay chua chay",
    "atvstp": "an toan ve sinh thuc pham",
    "vneid": "dinh danh dien tu",
}

# Everyday words for what the catalog names formally.
SYNONYMS: dict[str, str] = {
    "bang lai": "giay phep lai xe",
    "bang lai xe": "giay phep lai xe",
    "so do": "giay chung nhan quyen su dung dat",
    "so hong": "giay chung nhan quyen su dung dat quyen so huu nha o",
    "giay to nha": "giay chung nhan quyen su dung dat quyen so huu nha o",
    "giay to dat": "giay chung nhan quyen su dung dat",
    "can cuoc cong dan": "can cuoc",
    "the can cuoc": "can cuoc",
    "chung minh thu": "chung minh nhan dan can cuoc",
    "ho khau": "thuong tru",
    "nhap ho khau": "dang ky thuong tru",
    "chuyen ho khau": "dang ky thuong tru",
    "mat viec": "tro cap that nghiep",
    "nghi viec": "tro cap that nghiep",
    "that nghiep": "tro cap that nghiep",
    "moi sinh": "dang ky khai sinh",
    "sinh con": "dang ky khai sinh",
    "giay khai sinh": "dang ky khai sinh",
    "lam khai sinh": "dang ky khai sinh",
    "lay vo": "dang ky ket hon",
    "lay chong": "dang ky ket hon",
    "cuoi": "dang ky ket hon",
    "giay ket hon": "dang ky ket hon",
    "qua doi": "dang ky khai tu",
    "chet": "dang ky khai tu",
    "giay chung tu": "dang ky khai tu",
    "mo cong ty": "dang ky thanh lap doanh nghiep",
    "thanh lap cong ty": "dang ky thanh lap doanh nghiep",
    "lap cong ty": "dang ky thanh lap doanh nghiep",
    "mo cua hang": "dang ky ho kinh doanh",
    "kinh doanh ca the": "ho kinh doanh",
    "dong cua cong ty": "giai the doanh nghiep",
    "xay nha": "giay phep xay dung nha o",
    "sua nha": "giay phep xay dung sua chua cai tao",
    "di nuoc ngoai": "ho chieu",
    "lam ho chieu": "cap ho chieu pho thong",
    "passport": "ho chieu",
    "visa": "thi thuc",
    "xe may": "xe mo to xe gan may",
    "o to": "xe o to",
    "oto": "xe o to",
    "bien so": "dang ky xe bien so",
    "sang ten xe": "dang ky sang ten xe",
    "luong huu": "huong luong huu",
    "nghi huu": "huong luong huu",
    "ve huu": "huong luong huu",
    "thai san": "che do thai san",
    "om dau": "che do om dau",
    "mai tang": "tro cap mai tang",
    "tam vang": "khai bao tam vang",
    "xac nhan cu tru": "xac nhan thong tin ve cu tru",
    "phieu ly lich": "ly lich tu phap",
    "chung thuc": "chung thuc ban sao",
    "cong chung": "chung thuc",
    "ma so thue ca nhan": "dang ky thue ca nhan",
    "birth": "khai sinh",
    "marriage": "ket hon",
    "residence": "cu tru",
    "driving licence": "giay phep lai xe",
    "driving license": "giay phep lai xe",
}

# Function words that carry no meaning for search. Folded Vietnamese is ambiguous
# ("dang" is both "đang" and "đăng", "can" both "cần" and "căn"), so the list holds
# only words whose every reading is a function word.
STOPWORDS: frozenset[str] = frozenset(
    ["toi", "minh", "em", "muon", "nao", "gi", "cua", "va", "cho", "la", "voi", "nhung", "cac", "duoc", "roi", "hay", "giup"]
)
