"""The importer's parsers on real snippets of the national crawl, and on what breaks them."""

from dichvucong.catalog import parsing


def test_channels_with_working_days_fee_and_description():
    text = (
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến2 Ngày làm việcMiễn phíTrong thời hạn 02 ngày."
        "Trực tiếp22 Ngày làm việc50.000 VNĐ(Lệ phí cấp giấy)Nộp tại bộ phận một cửa"
    )
    rows, status = parsing.parse_channels(text)
    assert status == parsing.PARSED
    assert [r["channel"] for r in rows] == ["online", "in_person"]
    assert rows[0]["time"] == 2 and rows[0]["time_unit"] == "working_days"
    assert rows[0]["fees"] == [{"label": "Miễn phí", "amount": 0}]
    assert rows[0]["description"].startswith("Trong thời hạn")
    assert rows[1]["fees"][0]["amount"] == 50000
    assert rows[1]["fee_text"] == "Lệ phí cấp giấy"


def test_channel_time_in_hours_and_bare_number():
    rows, status = parsing.parse_channels("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến8 GiờMiễn phíDịch vụ bưu chính7Miễn phí")
    assert status == parsing.PARSED
    assert (rows[0]["time"], rows[0]["time_unit"]) == (8, "hours")
    assert (rows[1]["channel"], rows[1]["time"]) == ("postal", 7)


def test_channels_that_do_not_parse_are_reported_not_guessed():
    rows, status = parsing.parse_channels("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyếnKhông phải trả kết quảMiễn phí")
    assert (rows, status) == ([], parsing.UNPARSED)
    assert parsing.parse_channels("Không có thông tin") == ([], parsing.EMPTY)


def test_components_split_name_form_and_copies():
    text = (
        "--Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đề nghị theo Mẫu số 08 Phụ lục II;Mus08.docx1 bản chính"
        "Giấy phép lao động0 bản chính,1 bản sao"
    )
    components, status = parsing.parse_components(text)
    assert status == parsing.PARSED
    assert components[0]["name"] == "Đơn đề nghị theo Mẫu số 08 Phụ lục II"
    assert components[0]["form"] == "Mus08.docx"
    assert (components[0]["copies_original"], components[0]["copies_copy"]) == (1, 0)
    assert components[1]["name"] == "Giấy phép lao động"
    assert (components[1]["copies_original"], components[1]["copies_copy"]) == (0, 1)


def test_components_keep_their_group_titles():
    text = (
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai1 bản chính"
        "* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượngHộ chiếu1 bản chính"
    )
    components, status = parsing.parse_components(text)
    assert status == parsing.PARSED
    assert [(c["group"], c["name"]) for c in components] == [
        ("Giấy tờ phải nộp", "Tờ khai"),
        ("Giấy tờ phải xuất trình", "Hộ chiếu"),
    ]


def test_legal_basis_numbers_are_separated_from_titles():
    text = "Tên văn bản pháp lýMã văn bảnLuật 54/2014/QH1354/2014/QH13Nghị định quy định chi tiết123/2015/NĐ-CP"
    items, status = parsing.parse_legal_basis(text)
    assert status == parsing.PARSED
    assert [i["number"] for i in items] == ["54/2014/QH13", "123/2015/NĐ-CP"]
    assert items[1]["title"] == "Nghị định quy định chi tiết"


def test_results_with_codes():
    items, status = parsing.parse_results("Trích lục đăng ký nhận cha, mẹ, conMã: KQ.G15.000033Từ khóaKhông có thông tin")
    assert status == parsing.PARSED
    assert items == [{"code": "KQ.G15.000033", "name": "Trích lục đăng ký nhận cha, mẹ, con"}]


def test_levels_targets_and_derived_levels():
    assert parsing.parse_levels("Cấp bộ, Cấp tỉnh, Cấp xã") == (["ministry", "province", "commune"], parsing.PARSED)
    targets, _ = parsing.parse_targets("Cán bộ, công chức, viên chức, Doanh nghiệp")
    assert targets == ["official", "business"]
    online = [{"channel": "online"}]
    assert parsing.derive_service_level(online, "Đăng ký xe trực tuyến toàn trình") == "full"
    assert parsing.derive_service_level(online, "Đăng ký tạm trú") == "partial"
    assert parsing.derive_service_level([{"channel": "in_person"}]) == "offline"
    assert parsing.derive_assurance_level(["business"], "partial") == 3
    assert parsing.derive_assurance_level(["citizen"], "full") == 2


def test_legal_basis_title_glued_after_a_number_keeps_its_first_letter():
    text = "Tên văn bản pháp lýMã văn bảnThông tư về phí85/2019/TT-BTCNghị định quy định chi tiết123/2015/NĐ-CP"
    items, _status = parsing.parse_legal_basis(text)
    assert [(i["number"], i["title"]) for i in items] == [
        ("85/2019/TT-BTC", "Thông tư về phí"),
        ("123/2015/NĐ-CP", "Nghị định quy định chi tiết"),
    ]
