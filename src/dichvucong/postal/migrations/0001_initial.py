# Written by hand (makemigrations could not load the project while another app's migrations
# were being rewritten); it matches postal/models.py.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATUS_CHOICES = [
    ("requested", "Đang đặt dịch vụ"), ("booking_failed", "Đặt dịch vụ không thành công"),
    ("booked", "Đã đặt dịch vụ"), ("accepted", "Bưu điện đã nhận yêu cầu"), ("picked_up", "Đã nhận bưu gửi"),
    ("in_transit", "Đang vận chuyển"), ("out_for_delivery", "Đang phát"),
    ("failed_attempt", "Phát không thành công"), ("delivered", "Đã phát thành công"),
    ("returned", "Đã chuyển hoàn"), ("cancelled", "Đã hủy"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("dossiers", "0006_history_activities"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Shipment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("direction", models.CharField(choices=[("pickup", "Thu gom giấy tờ gốc"),
                                                        ("delivery", "Chuyển phát kết quả")],
                                               max_length=16, verbose_name="chiều")),
                ("reference", models.CharField(max_length=40, unique=True, verbose_name="mã tham chiếu của cổng")),
                ("tracking_number", models.CharField(blank=True, db_index=True, max_length=32,
                                                     verbose_name="số hiệu bưu gửi")),
                ("status", models.CharField(choices=STATUS_CHOICES, default="requested", max_length=24)),
                ("last_sequence", models.PositiveIntegerField(default=0)),
                ("weight_class", models.CharField(choices=[("document", "Giấy tờ (đến 500 g)"),
                                                           ("parcel_small", "Bưu kiện nhỏ (đến 2 kg)"),
                                                           ("parcel", "Bưu kiện (đến 5 kg)")],
                                                  default="document", max_length=16)),
                ("fee", models.PositiveIntegerField(blank=True, null=True, verbose_name="cước (đồng)")),
                ("sender", models.JSONField(default=dict, verbose_name="người gửi")),
                ("recipient", models.JSONField(default=dict, verbose_name="người nhận")),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.CharField(blank=True, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("booked_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("dossier", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="shipments",
                                              to="dossiers.dossier")),
                ("requested_by", models.ForeignKey(blank=True, null=True,
                                                   on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                   to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "bưu gửi", "verbose_name_plural": "bưu gửi", "ordering": ["created_at", "pk"],
                "indexes": [models.Index(fields=["status", "created_at"], name="postal_ship_status_7c1e2a_idx")],
                "constraints": [models.UniqueConstraint(
                    condition=models.Q(("status__in", ["cancelled", "booking_failed"]), _negated=True),
                    fields=("dossier", "direction"), name="one_live_shipment_per_direction")],
            },
        ),
        migrations.CreateModel(
            name="ShipmentEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("carrier_event_id", models.CharField(max_length=64, unique=True)),
                ("status", models.CharField(choices=STATUS_CHOICES, max_length=24)),
                ("sequence", models.PositiveIntegerField()),
                ("occurred_at", models.DateTimeField()),
                ("location", models.CharField(blank=True, max_length=200)),
                ("received_at", models.DateTimeField(auto_now_add=True)),
                ("applied", models.BooleanField(default=True)),
                ("shipment", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="events",
                                               to="postal.shipment")),
            ],
            options={"verbose_name": "sự kiện bưu gửi", "verbose_name_plural": "sự kiện bưu gửi",
                     "ordering": ["sequence", "pk"]},
        ),
    ]
