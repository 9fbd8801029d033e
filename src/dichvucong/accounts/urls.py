from django.urls import path

from dichvucong.accounts import views

app_name = "accounts"

urlpatterns = [
    path("dang-ky/", views.register, name="register"),
    path("dang-nhap/", views.sign_in_view, name="sign-in"),
    path("dang-nhap/buoc-hai/", views.second_factor, name="second-factor"),
    path("dang-nhap/vneid/", views.eid_start, name="eid-start"),
    path("dang-nhap/vneid/callback/", views.eid_callback, name="eid-callback"),
    path("dang-nhap/chu-ky-so/", views.certificate_start, name="certificate-start"),
    path("dang-nhap/chu-ky-so/ket-qua/", views.certificate_poll, name="certificate-poll"),
    path("khoa-truy-cap/<str:purpose>/tuy-chon/", views.passkey_options, name="passkey-options"),
    path("khoa-truy-cap/<str:purpose>/xac-minh/", views.passkey_verify, name="passkey-verify"),
    path("dang-xuat/", views.sign_out, name="sign-out"),
    path("nang-cap/", views.step_up, name="step-up"),
    path("ho-so/", views.profile, name="profile"),
    path("ho-so/lien-lac/", views.edit_contact, name="edit-contact"),
    path("ho-so/xac-nhan-email/", views.confirm_email, name="confirm-email"),
    path("ho-so/xac-nhan-dien-thoai/", views.confirm_phone, name="confirm-phone"),
    path("ho-so/xac-thuc-danh-tinh/", views.verify_identity, name="verify-identity"),
    path("ho-so/vo-hieu-hoa/", views.deactivate, name="deactivate"),
    path("ho-so/yeu-cau-xoa/", views.request_deletion, name="request-deletion"),
    path("bao-mat/", views.security, name="security"),
    path("bao-mat/ung-dung-xac-thuc/", views.totp_enrol, name="totp-enrol"),
    path("bao-mat/dang-xuat-tat-ca/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("bao-mat/phien/<int:pk>/ket-thuc/", views.end_other_session, name="end-session"),
    path("khoi-phuc/", views.recovery, name="recovery"),
    path("khoi-phuc/dat-lai/", views.recovery_complete, name="recovery-complete"),
    path("doanh-nghiep/", views.businesses, name="businesses"),
    path("doanh-nghiep/uy-quyen/<int:pk>/thu-hoi/", views.revoke_delegation, name="revoke-delegation"),
]
