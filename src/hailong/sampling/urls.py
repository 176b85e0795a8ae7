app_name = "sampling"
urlpatterns: list = []
