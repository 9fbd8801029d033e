from django.apps import AppConfig


class DatastoreConfig(AppConfig):
    name = "dichvucong.datastore"
    label = "datastore"
    verbose_name = "Kho dữ liệu cá nhân"
