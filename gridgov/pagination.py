from rest_framework import pagination


class StandardPagination(pagination.PageNumberPagination):
    """Page numbers for small lists; large tables (cases) use keyset pagination of their own."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
