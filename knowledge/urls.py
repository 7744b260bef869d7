from django.urls import path

from .views import bases, documents

app_name = "knowledge"
urlpatterns = [
    path("", bases.knowledge_list, name="list"),
    path("new/", bases.knowledge_create, name="create"),
    path("enrichment/", bases.enrichment_toggle, name="enrichment"),
    path("<uuid:public_id>/", bases.knowledge_detail, name="detail"),
    path("<uuid:public_id>/delete/", bases.knowledge_delete, name="delete"),
    path("<uuid:public_id>/upload/", documents.document_upload, name="upload"),
    path("<uuid:public_id>/add-url/", documents.document_add_url, name="add_url"),
    path("<uuid:public_id>/crawls/", documents.crawl_add, name="crawl_add"),
    path("crawls/<uuid:public_id>/run/", documents.crawl_run, name="crawl_run"),
    path("documents/<uuid:public_id>/", documents.document_detail, name="document"),
    path("documents/<uuid:public_id>/retry/", documents.document_retry, name="retry"),
    path("documents/<uuid:public_id>/reprocess/", documents.document_reprocess, name="reprocess"),
    path("documents/<uuid:public_id>/delete/", documents.document_delete, name="document_delete"),
]
