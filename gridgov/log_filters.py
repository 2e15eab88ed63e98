"""Logging filters the settings' ``LOGGING`` names."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Drops the traceback from ``django.request``'s records of 4xx answers: a refused permission (403) or
    a missing page (404) is an answer, not a failure, and is logged as one line. 5xx keep theirs."""

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info, record.exc_text = None, None
        return True
